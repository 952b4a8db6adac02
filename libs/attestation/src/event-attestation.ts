import { createHash } from 'node:crypto';
import { gateNames, type GateName } from '@airlock/contracts';
import { canonicalJson } from './canonical-json';
import { readCompactJws, signatureVerifies, signCompactJws, type ReadJws } from './ed25519-compact-jws';
import { privateKeyOf, publicKeyOf } from './key-cache';
import type { ServiceKeyring, SigningKey } from './signing-keys';

/** Distinguishes an event attestation from a proposal attestation and an agent's proposal JWS. */
export const eventAttestationJwsType = 'airlock-event+jws';

/** What a gate vouches for when it emits an event: exactly this event, byte for byte once canonical. */
export interface EventClaims {
  gate: GateName;
  event_hash: string;
  iat: number;
}

export type EventAttestationCheck =
  | { ok: true; gate: GateName }
  | { ok: false; code: 'missing_attestation' | 'invalid_attestation'; reason: string };

/** Any CloudEvent, typed loosely: attestation covers every member but the attestation itself. */
export type AttestableEvent = { readonly attestation?: string } & object;

/**
 * SHA-256 (hex) of the event's canonical JSON without its `attestation` member. Throws for content
 * canonical JSON refuses (lone surrogates, non-finite numbers): such an event cannot be attested.
 */
export function eventHash(event: AttestableEvent): string {
  const { attestation: _ignored, ...content } = event as { attestation?: string } & Record<string, unknown>;
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** The same event with the emitting gate's attestation attached. */
export async function attestEvent<E extends AttestableEvent>(
  key: SigningKey,
  gate: GateName,
  event: E,
  now: Date = new Date(),
): Promise<E & { attestation: string }> {
  const claims: EventClaims = { gate, event_hash: eventHash(event), iat: Math.floor(now.getTime() / 1000) };
  const header = { alg: 'EdDSA', kid: key.kid, typ: eventAttestationJwsType } as const;
  return { ...event, attestation: signCompactJws(header, canonicalJson(claims), privateKeyOf(key)) };
}

/**
 * Whether `event` carries a valid attestation by one of `allowedGates`: the signature verifies with
 * a key of the keyring, the key belongs to the gate the claims name, and the hash is of this very
 * event. Never throws: events come from anyone who can write to a topic.
 */
export async function verifyEventAttestation(
  event: AttestableEvent,
  keyring: ServiceKeyring,
  allowedGates: readonly GateName[],
): Promise<EventAttestationCheck> {
  const jws = event.attestation;
  if (typeof jws !== 'string' || jws === '') {
    return { ok: false, code: 'missing_attestation', reason: 'the event carries no attestation' };
  }
  const refuse = (reason: string): EventAttestationCheck => ({
    ok: false,
    code: 'invalid_attestation',
    reason,
  });
  const read = readCompactJws(jws, eventAttestationJwsType);
  if (!read.ok) return refuse(`the attestation is not an Airlock event attestation: ${read.reason}`);
  const { kid } = read.header;
  const trusted = Object.prototype.hasOwnProperty.call(keyring, kid) ? keyring[kid] : undefined;
  if (trusted === undefined) return refuse(`attestation key ${kid} is not a published Airlock key`);
  const claims = verifiedClaims(read, trusted.jwk);
  if (claims === undefined) return refuse(`the attestation does not verify with key ${kid}`);
  // Each key speaks for one gate only: a compromised policy key must not vouch for executed actions.
  if (claims.gate !== trusted.gate) {
    return refuse(`key ${kid} belongs to the ${trusted.gate} gate, not ${String(claims.gate)}`);
  }
  if (!allowedGates.includes(claims.gate)) {
    return refuse(`the ${claims.gate} gate does not emit this kind of event`);
  }
  let expected: string;
  try {
    expected = eventHash(event);
  } catch (error) {
    return refuse(`the event cannot be hashed: ${(error as Error).message}`);
  }
  if (claims.event_hash !== expected) return refuse('the event differs from what its gate attested');
  return { ok: true, gate: claims.gate };
}

function verifiedClaims(
  read: Extract<ReadJws, { ok: true }>,
  jwk: ServiceKeyring[string]['jwk'],
): EventClaims | undefined {
  try {
    // A keyring entry that is not a usable key verifies nothing, so its throw is a no.
    if (!signatureVerifies(read, publicKeyOf(jwk))) return undefined;
    const claims = JSON.parse(read.payload) as Partial<EventClaims>;
    const wellFormed =
      typeof claims === 'object' &&
      claims !== null &&
      (gateNames as readonly unknown[]).includes(claims.gate) &&
      typeof claims.event_hash === 'string' &&
      /^[0-9a-f]{64}$/.test(claims.event_hash);
    return wellFormed ? (claims as EventClaims) : undefined;
  } catch {
    return undefined;
  }
}
