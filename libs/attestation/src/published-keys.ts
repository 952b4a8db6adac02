import type { JsonWebKey } from 'node:crypto';
import { gateNames, topics, type GateName } from '@airlock/contracts';
import {
  verifyEventAttestation,
  type AttestableEvent,
  type EventAttestationCheck,
} from './event-attestation';
import { publicMembersOf, type ServiceKeyring } from './signing-keys';

/**
 * The gates' public keys as a JSON Web Key Set (RFC 7517), which is what Airlock publishes for
 * downstream systems: each key names the gate it speaks for in `airlock_gate`.
 */
export interface Jwks {
  keys: (JsonWebKey & { kid: string; use: 'sig'; alg: 'EdDSA'; airlock_gate: GateName })[];
}

export function publishedJwks(keyring: ServiceKeyring): Jwks {
  return {
    keys: Object.entries(keyring).map(([kid, { gate, jwk }]) => ({
      ...(publicMembersOf(jwk) as JsonWebKey),
      kid,
      use: 'sig' as const,
      alg: 'EdDSA' as const,
      airlock_gate: gate,
    })),
  };
}

/** Reads a published JWKS back into a keyring; keys that name no Airlock gate are ignored. */
export function keyringFromJwks(jwks: Jwks): ServiceKeyring {
  const keyring: ServiceKeyring = {};
  for (const key of jwks.keys ?? []) {
    if (typeof key.kid !== 'string' || !(gateNames as readonly unknown[]).includes(key.airlock_gate))
      continue;
    keyring[key.kid] = { gate: key.airlock_gate, jwk: key };
  }
  return keyring;
}

/**
 * For a downstream system consuming `airlock.actions.executed`: true only for an event that the
 * executor really emitted, unchanged. Anyone able to write to the topic can forge the rest.
 */
export async function verifyExecutedAction(
  event: AttestableEvent,
  jwks: Jwks,
): Promise<EventAttestationCheck> {
  const type = (event as { type?: unknown }).type;
  if (type !== topics.actionsExecuted.eventType) {
    return {
      ok: false,
      code: 'invalid_attestation',
      reason: `event type ${String(type)} is not an executed action`,
    };
  }
  return verifyEventAttestation(event, keyringFromJwks(jwks), topics.actionsExecuted.attestedBy);
}
