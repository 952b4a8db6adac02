import { accountOfToken } from '@airlock/approval-rules';
import type { SubmitterRecord } from '@airlock/contracts';

/** Who an MCP connection speaks for: the agent, and the run its launcher opened for it. */
export interface CallerIdentity {
  agentId: string;
  runId: string;
  /** The launcher's run ticket, attached unchanged to every proposal (intake verifies it). */
  runTicket: string;
}

export type Identified =
  { ok: true; caller: CallerIdentity } | { ok: false; status: 401 | 400; message: string };

/**
 * An HTTP client proves which agent it is with the bearer token the submitter's record lists for
 * that agent (compared by SHA-256, in constant time), and names its run with the launcher's ticket.
 * The ticket is read here only to learn the run id and to catch a ticket for another agent early;
 * intake verifies its signature, like any agent's.
 */
export function identifyHttpCaller(
  submitter: SubmitterRecord,
  bearerToken: string | undefined,
  runTicket: string | undefined,
): Identified {
  const agent = accountOfToken(bearerToken, submitter.agents);
  if (agent === undefined) {
    return {
      ok: false,
      status: 401,
      message: `send Authorization: Bearer <token> with the token submitters/${submitter.id}.json lists for your agent`,
    };
  }
  if (runTicket === undefined || runTicket === '') {
    return {
      ok: false,
      status: 400,
      message: `send ${runTicketHeader}: <the run ticket your launcher signed>`,
    };
  }
  const claims = runTicketClaims(runTicket);
  if (!claims.ok) return { ok: false, status: 400, message: claims.message };
  if (claims.agentId !== agent.id) {
    return {
      ok: false,
      status: 400,
      message: `the run ticket opens run ${claims.runId} for agent ${claims.agentId}, but your token is agent ${agent.id}'s`,
    };
  }
  return { ok: true, caller: { agentId: agent.id, runId: claims.runId, runTicket } };
}

/** The header carrying the launcher's run ticket on every HTTP request. */
export const runTicketHeader = 'X-Airlock-Run-Ticket';

type Claims = { ok: true; runId: string; agentId: string } | { ok: false; message: string };

/** The run and agent a ticket names, unverified: the payload of a compact JWS. */
export function runTicketClaims(ticket: string): Claims {
  const payload = ticket.split('.')[1];
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  } catch {
    claims = undefined;
  }
  const { run_id: runId, agent_id: agentId } = (claims ?? {}) as Record<string, unknown>;
  if (typeof runId !== 'string' || typeof agentId !== 'string') {
    return {
      ok: false,
      message: 'the run ticket is not a compact JWS whose payload names run_id and agent_id',
    };
  }
  return { ok: true, runId, agentId };
}
