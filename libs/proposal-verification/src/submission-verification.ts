import {
  base64url,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type ProtectedHeaderParameters,
} from 'jose';
import { validateProposal, type AgentRecord, type Proposal, type ReasonCode } from '@airlock/contracts';

export type SubmissionVerdict =
  | { ok: true; proposal: Proposal; agent: AgentRecord }
  | { ok: false; code: ReasonCode; reason: string; proposal_id?: string; agent_id?: string };

type Refusal = Extract<SubmissionVerdict, { ok: false }>;

interface DecodedSubmission {
  header: ProtectedHeaderParameters;
  payloadBytes: Uint8Array;
  payload: unknown;
}

/**
 * Intake's identity checks, cheapest first, so that garbage is refused before any key is imported
 * and the reason says which check failed.
 */
export async function verifySubmission(
  submission: { jws: string },
  envelope: { runid: string },
  agents: ReadonlyMap<string, AgentRecord>,
): Promise<SubmissionVerdict> {
  const decoded = decodeSubmission(submission.jws);
  if ('code' in decoded) return decoded;
  if (decoded.header.alg !== 'EdDSA') {
    return {
      ok: false,
      code: 'bad_signature',
      reason: 'proposal is not signed with EdDSA',
      ...idsIn(decoded.payload),
    };
  }
  const validated = validateProposal(decoded.payload);
  if (!validated.ok) {
    return {
      ok: false,
      code: 'invalid_proposal',
      reason: `proposal is invalid: ${validated.errors}`,
      ...idsIn(decoded.payload),
    };
  }
  const proposal = validated.value;
  const ids = { proposal_id: proposal.proposal_id, agent_id: proposal.agent_id };
  const agent = agents.get(proposal.agent_id);
  if (agent === undefined) {
    return {
      ok: false,
      code: 'unknown_agent',
      reason: `agent ${proposal.agent_id} is not registered`,
      ...ids,
    };
  }
  const signatureProblem = await checkAgentSignature(submission.jws, decoded, agent);
  if (signatureProblem !== undefined)
    return { ok: false, code: 'bad_signature', reason: signatureProblem, ...ids };
  if (proposal.run_id !== envelope.runid) {
    const reason = `proposal is for run ${proposal.run_id} but was submitted on run ${envelope.runid}`;
    return { ok: false, code: 'run_mismatch', reason, ...ids };
  }
  return { ok: true, proposal, agent };
}

function decodeSubmission(jws: unknown): DecodedSubmission | Refusal {
  const refuse = (reason: string): Refusal => ({ ok: false, code: 'invalid_submission', reason });
  if (typeof jws !== 'string') return refuse('submission has no JWS string');
  const parts = jws.split('.');
  if (parts.length === 3 && parts[0] !== '' && parts[1] !== '' && parts[2] === '') {
    // An unsecured JWS (alg "none") is an unsigned proposal: say so rather than "malformed".
    return {
      ok: false,
      code: 'bad_signature',
      reason: 'proposal is not signed: its JWS carries no signature',
    };
  }
  if (parts.length !== 3 || parts.some((part) => part === ''))
    return refuse('submission is not a compact JWS');
  try {
    const header = decodeProtectedHeader(jws);
    const payloadBytes = base64url.decode(parts[1]);
    const payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes)) as unknown;
    return { header, payloadBytes, payload };
  } catch {
    return refuse('submission JWS header or payload cannot be decoded as JSON');
  }
}

async function checkAgentSignature(
  jws: string,
  decoded: DecodedSubmission,
  agent: AgentRecord,
): Promise<string | undefined> {
  const kid = decoded.header.kid;
  const registered = agent.public_keys.find((key) => key.kid === kid);
  if (typeof kid !== 'string' || registered === undefined) {
    return `key id ${String(kid)} is not registered for agent ${agent.id}`;
  }
  let verifiedPayload: Uint8Array;
  try {
    const publicKey = await importJWK({ kty: registered.kty, crv: registered.crv, x: registered.x }, 'EdDSA');
    verifiedPayload = (await compactVerify(jws, publicKey, { algorithms: ['EdDSA'] })).payload;
  } catch {
    return `signature does not verify with key ${kid} of agent ${agent.id}`;
  }
  // With the b64 header extension the signed bytes differ from the decoded payload; the proposal
  // acted on must be exactly what was signed, so any difference is a refusal.
  if (Buffer.compare(Buffer.from(verifiedPayload), Buffer.from(decoded.payloadBytes)) !== 0) {
    return 'signed payload differs from the submitted payload';
  }
  return undefined;
}

/** Ids read from a payload that failed validation, so the rejection can still be attributed. */
function idsIn(payload: unknown): { proposal_id?: string; agent_id?: string } {
  if (typeof payload !== 'object' || payload === null) return {};
  const { proposal_id, agent_id } = payload as Record<string, unknown>;
  return {
    ...(typeof proposal_id === 'string' ? { proposal_id } : {}),
    ...(typeof agent_id === 'string' ? { agent_id } : {}),
  };
}
