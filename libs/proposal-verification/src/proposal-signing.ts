import { CompactSign, importJWK, type JWK } from 'jose';
import type { Proposal } from '@airlock/contracts';
import { canonicalJson, type SigningKey } from '@airlock/attestation';

/** Distinguishes an agent's proposal from a gate's attestation, which is signed the same way. */
export const proposalJwsType = 'airlock-proposal+jws';

/** What an agent SDK does: sign the proposal as a compact JWS (EdDSA, kid = the agent's key id). */
export async function signProposal(proposal: Proposal, key: SigningKey): Promise<string> {
  const privateKey = await importJWK(key.privateJwk as JWK, 'EdDSA');
  return new CompactSign(new TextEncoder().encode(canonicalJson(proposal)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: proposalJwsType })
    .sign(privateKey);
}
