import { verifyEventAttestation, type AttestableEvent, type ServiceKeyring } from '@airlock/attestation';
import type { GateName } from '@airlock/contracts';
import { storableText } from './storable-text';

/**
 * What audit found when it checked an event's attestation:
 * - verified: a gate allowed on the topic signed exactly this event;
 * - missing: the event carries no attestation;
 * - invalid: it carries one that does not verify (forged, altered, wrong key or gate);
 * - agent_signed: the agents' topic, whose submissions no gate attests; the agent's own signature
 *   inside the JWS is intake's to check, and intake's accepted event is the attested record.
 */
export const attestationStatuses = ['verified', 'missing', 'invalid', 'agent_signed'] as const;
export type AttestationStatus = (typeof attestationStatuses)[number];

/** The columns of a row that say whether its event can be trusted; hashed like the others. */
export interface AttestationColumns {
  /** The gate whose valid attestation the event carries; '' unless verified. */
  attested_by: string;
  attestation: AttestationStatus;
  /** Why the attestation is missing or invalid; '' otherwise. */
  attestation_error: string;
}

/** Long enough for any reason verifyEventAttestation gives; a forged key id is cut, not stored whole. */
const maxErrorLength = 500;

/**
 * Checks the attestation of an event from a topic that `attestedBy` gates may attest (none: the
 * agents' topic). Never throws: a forged event must become a row marked invalid, not a crash.
 */
export async function attestationColumnsOf(
  event: AttestableEvent,
  keyring: ServiceKeyring,
  attestedBy: readonly GateName[],
): Promise<AttestationColumns> {
  if (attestedBy.length === 0) return { attested_by: '', attestation: 'agent_signed', attestation_error: '' };
  try {
    const check = await verifyEventAttestation(event, keyring, attestedBy);
    if (check.ok) return { attested_by: check.gate, attestation: 'verified', attestation_error: '' };
    return {
      attested_by: '',
      attestation: check.code === 'missing_attestation' ? 'missing' : 'invalid',
      // The reason may quote the forger's key id: hostile text, made storable.
      attestation_error: storableText(check.reason, maxErrorLength),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : 'unknown error';
    return {
      attested_by: '',
      attestation: 'invalid',
      attestation_error: storableText(`the attestation could not be checked: ${message}`, maxErrorLength),
    };
  }
}
