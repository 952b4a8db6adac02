import {
  base64url,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type ProtectedHeaderParameters,
} from 'jose';
import {
  checkJsonHygiene,
  isIdentifier,
  proposalJsonLimits,
  validateProposal,
  type AgentRecord,
  type CloudEventEnvelope,
  type Proposal,
  type ReasonCode,
  type SubmitterRecord,
} from '@airlock/contracts';

export type SubmissionVerdict =
  | { ok: true; proposal: Proposal; agent: AgentRecord }
  | { ok: false; code: ReasonCode; reason: string; proposal_id?: string; agent_id?: string };

/** How far a proposal's issued_at may stray from intake's clock (see docs/limits.md). */
export interface FreshnessWindow {
  /** Older proposals are refused, so one captured in transit or held back cannot be used later. */
  readonly maxAgeSeconds: number;
  /** Room for an agent's clock running ahead; more would let an agent pre-sign proposals for later. */
  readonly maxFutureSeconds: number;
}

/** The envelope attributes of a submission that name what the signed proposal also names. */
export type SubmissionAttributes = Pick<CloudEventEnvelope, 'runid' | 'proposalid' | 'agentid'>;

export const defaultFreshnessWindow: FreshnessWindow = { maxAgeSeconds: 300, maxFutureSeconds: 60 };

export interface SubmissionVerificationOptions {
  /** Intake's clock; the current time unless given. */
  readonly now?: Date;
  readonly freshness?: FreshnessWindow;
  /**
   * The bundle's submitters (ADR 0015): a proposal with `submitted_by` must be signed by that
   * submitter's key, and the submitter must list the agent. None unless given, so such a proposal
   * is then refused.
   */
  readonly submitters?: ReadonlyMap<string, SubmitterRecord>;
}

type Refusal = Extract<SubmissionVerdict, { ok: false }>;
type SignedProposal = { ok: true; proposal: Proposal; agent: AgentRecord };

interface DecodedSubmission {
  jws: string;
  header: ProtectedHeaderParameters;
  payloadBytes: Uint8Array;
  payload: unknown;
}

/**
 * Intake's identity and freshness checks, cheapest first, so that garbage is refused before any key
 * is imported and the reason says which check failed. Never rejects: every input ends in a verdict.
 */
export async function verifySubmission(
  submission: { jws: string },
  envelope: SubmissionAttributes,
  agents: ReadonlyMap<string, AgentRecord>,
  options: SubmissionVerificationOptions = {},
): Promise<SubmissionVerdict> {
  const signed = await verifySignedProposal(submission.jws, agents, options.submitters ?? new Map());
  if (!signed.ok) return signed;
  const { proposal } = signed;
  // The agent signed these ids, so a refusal from here on may be attributed to its proposal.
  const ids = { proposal_id: proposal.proposal_id, agent_id: proposal.agent_id };
  const mismatch = checkEnvelopeAttributes(proposal, envelope);
  if (mismatch !== undefined) return { ...mismatch, ...ids };
  const stale = checkFreshness(
    proposal.issued_at,
    options.now ?? new Date(),
    options.freshness ?? defaultFreshnessWindow,
  );
  if (stale !== undefined) return { ...stale, ...ids };
  return signed;
}

/**
 * Everything up to and including the signature (the agent's, or its submitter's). Its refusals
 * name no proposal or agent: anyone can write any ids into an unverified submission, and a refusal
 * carrying them would put a rejection on someone else's proposal. A submitter that may not act for
 * the agent is refused here too, so it cannot put rejections on that agent's proposals either.
 */
async function verifySignedProposal(
  jws: unknown,
  agents: ReadonlyMap<string, AgentRecord>,
  submitters: ReadonlyMap<string, SubmitterRecord>,
): Promise<SignedProposal | Refusal> {
  const decoded = decodeSubmission(jws);
  if ('code' in decoded) return decoded;
  const unhygienic = checkHygiene(decoded);
  if (unhygienic !== undefined) return unhygienic;
  if (decoded.header.alg !== 'EdDSA') {
    return { ok: false, code: 'bad_signature', reason: 'proposal is not signed with EdDSA' };
  }
  const validated = validateProposal(decoded.payload);
  if (!validated.ok) {
    return { ok: false, code: 'invalid_proposal', reason: `proposal is invalid: ${validated.errors}` };
  }
  const proposal = validated.value;
  const agent = agents.get(proposal.agent_id);
  if (agent === undefined) {
    return { ok: false, code: 'unknown_agent', reason: `agent ${proposal.agent_id} is not registered` };
  }
  const signer = signerOf(proposal, agent, submitters);
  if ('code' in signer) return signer;
  const signatureProblem = await checkSignature(decoded, signer);
  if (signatureProblem !== undefined) return { ok: false, code: 'bad_signature', reason: signatureProblem };
  return { ok: true, proposal, agent };
}

/** Whose key must have signed, named as reasons name it: `agent a` or `submitter s`. */
interface Signer {
  name: string;
  public_keys: AgentRecord['public_keys'];
}

/**
 * The agent signs its own proposals; a proposal naming `submitted_by` is signed by that submitter
 * instead, which the bundle must list and which must list the agent: a submitter's key never
 * speaks for an agent it was not given.
 */
function signerOf(
  proposal: Proposal,
  agent: AgentRecord,
  submitters: ReadonlyMap<string, SubmitterRecord>,
): Signer | Refusal {
  const submitterId = proposal.submitted_by;
  if (submitterId === undefined) return { name: `agent ${agent.id}`, public_keys: agent.public_keys };
  const submitter = submitters.get(submitterId);
  if (submitter === undefined) {
    return { ok: false, code: 'unknown_submitter', reason: `submitter ${submitterId} is not registered` };
  }
  if (!submitter.agents.some((listed) => listed.id === agent.id)) {
    const reason = `submitter ${submitter.id} may not propose for agent ${agent.id}`;
    return { ok: false, code: 'submitter_not_allowed', reason };
  }
  return { name: `submitter ${submitter.id}`, public_keys: submitter.public_keys };
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
    return { jws, header, payloadBytes, payload };
  } catch {
    return refuse('submission JWS header or payload cannot be decoded as JSON');
  }
}

/**
 * Refuses, before any id is claimed, what later stages could not hash or store (a lone surrogate
 * or nesting 2,000 deep makes canonical JSON throw). The header is checked too, because its key id
 * is quoted in reasons.
 */
function checkHygiene(decoded: DecodedSubmission): Refusal | undefined {
  const payload = checkJsonHygiene(decoded.payload, proposalJsonLimits);
  if (!payload.ok) return { ok: false, code: payload.code, reason: `in the proposal, ${payload.reason}` };
  const header = checkJsonHygiene(decoded.header, proposalJsonLimits);
  if (!header.ok) return { ok: false, code: header.code, reason: `in the JWS header, ${header.reason}` };
  return undefined;
}

async function checkSignature(decoded: DecodedSubmission, signer: Signer): Promise<string | undefined> {
  const kid = decoded.header.kid;
  const registered = signer.public_keys.find((key) => key.kid === kid);
  if (typeof kid !== 'string' || registered === undefined) {
    return `key id ${describeKeyId(kid)} is not registered for ${signer.name}`;
  }
  let verifiedPayload: Uint8Array;
  try {
    const publicKey = await importJWK({ kty: registered.kty, crv: registered.crv, x: registered.x }, 'EdDSA');
    verifiedPayload = (await compactVerify(decoded.jws, publicKey, { algorithms: ['EdDSA'] })).payload;
  } catch {
    return `signature does not verify with key ${kid} of ${signer.name}`;
  }
  // With the b64 header extension the signed bytes differ from the decoded payload; the proposal
  // acted on must be exactly what was signed, so any difference is a refusal.
  if (Buffer.compare(Buffer.from(verifiedPayload), Buffer.from(decoded.payloadBytes)) !== 0) {
    return 'signed payload differs from the submitted payload';
  }
  return undefined;
}

/** An unregistered key id is the sender's text: quoted only when it is a short identifier. */
function describeKeyId(kid: unknown): string {
  if (kid === undefined) return '(none)';
  return typeof kid === 'string' && isIdentifier(kid) ? kid : '(not an identifier)';
}

/**
 * The envelope's ids must be the signed proposal's: Kafka routes by the run id, and audit files the
 * submission's row under the envelope's proposal and agent ids (its data is an opaque JWS), so an
 * envelope naming other ids would put this submission in someone else's history. The proposal and
 * agent ids are optional attributes; absent, there is nothing to contradict.
 */
function checkEnvelopeAttributes(proposal: Proposal, envelope: SubmissionAttributes): Refusal | undefined {
  if (proposal.run_id !== envelope.runid) {
    const reason = `proposal is for run ${proposal.run_id} but was submitted on run ${envelope.runid}`;
    return { ok: false, code: 'run_mismatch', reason };
  }
  if (envelope.proposalid !== undefined && envelope.proposalid !== proposal.proposal_id) {
    const reason = `the envelope's proposalid ${envelope.proposalid} is not the signed proposal's id ${proposal.proposal_id}`;
    return { ok: false, code: 'proposal_id_mismatch', reason };
  }
  if (envelope.agentid !== undefined && envelope.agentid !== proposal.agent_id) {
    const reason = `the envelope's agentid ${envelope.agentid} is not the signed proposal's agent ${proposal.agent_id}`;
    return { ok: false, code: 'agent_id_mismatch', reason };
  }
  return undefined;
}

/**
 * Refuses an issued_at outside the window around intake's clock, and one that names no instant
 * (a leap second passes the date-time format but not Date.parse). Written so that NaN anywhere,
 * including an invalid clock, ends in a refusal rather than a pass.
 */
function checkFreshness(issuedAt: string, now: Date, window: FreshnessWindow): Refusal | undefined {
  const issuedMs = Date.parse(issuedAt);
  if (Number.isNaN(issuedMs)) {
    return {
      ok: false,
      code: 'invalid_proposal',
      reason: `issued_at ${issuedAt} names no instant intake can read`,
    };
  }
  const ageMs = now.getTime() - issuedMs;
  if (ageMs <= window.maxAgeSeconds * 1000 && -ageMs <= window.maxFutureSeconds * 1000) return undefined;
  if (ageMs > 0) {
    const reason = `issued_at ${issuedAt} is ${ageMs / 1000} s before intake's clock; the limit is ${window.maxAgeSeconds} s`;
    return { ok: false, code: 'issued_at_too_old', reason };
  }
  const reason = `issued_at ${issuedAt} is ${-ageMs / 1000} s after intake's clock; the limit is ${window.maxFutureSeconds} s`;
  return { ok: false, code: 'issued_at_in_future', reason };
}
