import { validatePayload, type ActionExecuted, type Envelope } from '@airlock/contracts';
import { verifyExecutedAction as verifyExecutorAttestation, type Jwks } from '@airlock/attestation';

export type VerifiedAction =
  | { ok: true; action: ActionExecuted; event: Envelope<'actionsExecuted'> }
  | {
      ok: false;
      code: 'not_json' | 'missing_attestation' | 'invalid_attestation' | 'invalid_payload';
      reason: string;
    };

/**
 * For a system consuming airlock.actions.executed: the action, only when the executor really
 * emitted this event unchanged (its attestation verifies with an `executor` key of the JWKS and
 * binds the event's hash), and its payload is what the schema says. Anyone able to write to the
 * topic can forge the rest. `event` is the parsed CloudEvent, or the Kafka message value.
 */
export async function verifyExecutedAction(event: unknown, jwks: Jwks): Promise<VerifiedAction> {
  const parsed = typeof event === 'string' || Buffer.isBuffer(event) ? parseJson(event) : event;
  if (typeof parsed !== 'object' || parsed === null) {
    return { ok: false, code: 'not_json', reason: 'the event is not a JSON object' };
  }
  const attested = await verifyExecutorAttestation(parsed, jwks);
  if (!attested.ok) return attested;
  const payload = validatePayload('actionsExecuted', (parsed as { data?: unknown }).data);
  if (!payload.ok) return { ok: false, code: 'invalid_payload', reason: payload.errors };
  return { ok: true, action: payload.value, event: parsed as Envelope<'actionsExecuted'> };
}

/** The JWKS Airlock publishes, e.g. `http://127.0.0.1:7300/.well-known/jwks.json` (the approval service). */
export async function fetchJwks(url: string, timeoutMs = 5000): Promise<Jwks> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return (await response.json()) as Jwks;
}

function parseJson(value: string | Buffer): unknown {
  try {
    return JSON.parse(value.toString());
  } catch {
    return undefined;
  }
}
