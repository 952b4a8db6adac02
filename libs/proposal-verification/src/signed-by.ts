import type { JsonWebKey } from 'node:crypto';
import { verifyStatement } from '@airlock/attestation';
import { checkJsonHygiene, proposalJsonLimits, type ValidationResult } from '@airlock/contracts';

/** Agents and launchers: whoever signs statements with keys the bundle registers. */
interface Signer {
  id: string;
  public_keys: readonly { kid: string }[];
}

export type SignedStatement<T, S> =
  { ok: true; statement: T; signer: S } | { ok: false; code: string; reason: string };

/** What kind of statement is checked: its JWS type, schema, name in reasons, and code when invalid. */
export interface StatementKind<T> {
  type: string;
  validate: (value: unknown) => ValidationResult<T>;
  /** e.g. "the usage report" */
  name: string;
  invalidCode: string;
}

/**
 * A statement verified with the registered key its key id names, within the proposal limits and
 * valid against its schema, with the signer whose key it was. Never throws.
 */
export function verifySignedBy<T, S extends Signer>(
  jws: string,
  kind: StatementKind<T>,
  signers: ReadonlyMap<string, S>,
): SignedStatement<T, S> {
  const what = kind.name;
  const signerOfKid = new Map<string, S>();
  const keyOf = (kid: string) => {
    for (const signer of signers.values()) {
      const key = signer.public_keys.find((candidate) => candidate.kid === kid);
      if (key !== undefined) {
        signerOfKid.set(kid, signer);
        return key as JsonWebKey;
      }
    }
    return undefined;
  };
  const checked = verifyStatement(jws, kind.type, keyOf);
  if (!checked.ok) return { ok: false, code: 'bad_signature', reason: `${what}: ${checked.reason}` };
  const hygiene = checkJsonHygiene(checked.statement, proposalJsonLimits);
  if (!hygiene.ok) return { ok: false, code: hygiene.code, reason: `in ${what}, ${hygiene.reason}` };
  const validated = kind.validate(checked.statement);
  if (!validated.ok) {
    return { ok: false, code: kind.invalidCode, reason: `${what} is invalid: ${validated.errors}` };
  }
  // verifyStatement found the key through keyOf, which recorded its signer.
  const signer = signerOfKid.get(checked.kid) as S;
  return { ok: true, statement: validated.value, signer };
}
