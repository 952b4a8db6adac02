import { readStatementUnverified, signStatement, type SigningKey } from '@airlock/attestation';
import {
  validateRunTicket,
  type AgentRecord,
  type LauncherRecord,
  type Proposal,
  type ReasonCode,
  type RunFacts,
  type RunTicket,
} from '@airlock/contracts';
import { verifySignedBy } from './signed-by';

/** Distinguishes a launcher's run ticket from every other JWS Airlock reads. */
export const runTicketJwsType = 'airlock-run+jws';

const runTickets = {
  type: runTicketJwsType,
  validate: validateRunTicket,
  name: 'the run ticket',
  invalidCode: 'bad_run_ticket',
};

/** The longest run a launcher may open when its record does not say. */
export const defaultMaxRunSeconds = 86_400;

/** Room for a launcher's clock running ahead of intake's (docs/protocol.md states it). */
export const maxTicketClockSkewMs = 60_000;

export type RunVerdict = { ok: true; facts: RunFacts } | { ok: false; code: ReasonCode; reason: string };

/** What a launcher does when it starts an agent for a user: sign the run's ticket with its key. */
export function signRunTicket(ticket: RunTicket, key: SigningKey): string {
  return signStatement(key, runTicketJwsType, ticket);
}

/**
 * Whether the proposal's run was opened, and the facts its launcher stated (ADR 0011): the ticket
 * must verify with a registered launcher's key, name this run and this agent, come from a launcher
 * that may start the agent, and be within its validity. Without a ticket, only an agent the bundle
 * lets open its own runs may propose. Never throws.
 */
export function verifyRun(
  proposal: Pick<Proposal, 'run_id' | 'agent_id' | 'run_ticket'>,
  agent: AgentRecord,
  launchers: ReadonlyMap<string, LauncherRecord>,
  now: Date,
  options: { countsAfterExpiry?: boolean } = {},
): RunVerdict {
  const ticket = proposal.run_ticket;
  if (ticket === undefined) {
    if (agent.opens_own_runs === true) return { ok: true, facts: { opened_by: 'agent' } };
    const reason = `run ${proposal.run_id} was not opened by a launcher: a proposal carries the run ticket its launcher gave the agent`;
    return { ok: false, code: 'run_not_opened', reason };
  }
  const signed = verifySignedBy(ticket, runTickets, launchers);
  if (!signed.ok) return badTicket(signed.reason);
  const { statement: run, signer: launcher } = signed;
  if (launcher.id !== run.launcher_id) {
    return badTicket(
      `the run ticket names launcher ${run.launcher_id} but is signed by another launcher's key`,
    );
  }
  if (run.run_id !== proposal.run_id || run.agent_id !== proposal.agent_id) {
    const reason = `the run ticket opens run ${run.run_id} for agent ${run.agent_id}, not run ${proposal.run_id} for agent ${proposal.agent_id}`;
    return { ok: false, code: 'run_ticket_mismatch', reason };
  }
  if (!launcher.agents.includes(agent.id)) {
    return {
      ok: false,
      code: 'launcher_not_allowed',
      reason: `launcher ${launcher.id} may not open runs for agent ${agent.id}`,
    };
  }
  return checkValidity(run, launcher, now, options.countsAfterExpiry === true);
}

/**
 * The ticket's own facts, read without checking its signature: for gates after intake, which
 * verified the ticket, and whose proofs bind the proposal (ticket included) to that check.
 */
export function runTicketOf(proposal: Pick<Proposal, 'run_ticket'>): RunTicket | undefined {
  if (proposal.run_ticket === undefined) return undefined;
  const validated = validateRunTicket(readStatementUnverified(proposal.run_ticket, runTicketJwsType));
  return validated.ok ? validated.value : undefined;
}

/** The run's team: what its launcher said, else the agent's team in the bundle. */
export function runTeamOf(
  proposal: Pick<Proposal, 'run_ticket'>,
  agent: Pick<AgentRecord, 'team'> | undefined,
): string | undefined {
  return runTicketOf(proposal)?.team ?? agent?.team;
}

function checkValidity(
  run: RunTicket,
  launcher: LauncherRecord,
  now: Date,
  countsAfterExpiry: boolean,
): RunVerdict {
  const issued = Date.parse(run.issued_at);
  const expires = Date.parse(run.expires_at);
  if (Number.isNaN(issued) || Number.isNaN(expires))
    return badTicket('the run ticket names a time intake cannot read');
  const maxSeconds = launcher.max_run_seconds ?? defaultMaxRunSeconds;
  if (expires - issued > maxSeconds * 1000 || expires <= issued) {
    return badTicket(
      `the run ticket is valid for ${(expires - issued) / 1000} s; launcher ${launcher.id} may open runs of at most ${maxSeconds} s`,
    );
  }
  if (issued - now.getTime() > maxTicketClockSkewMs) {
    return badTicket(`the run ticket is issued at ${run.issued_at}, ahead of intake's clock`);
  }
  if (now.getTime() >= expires && !countsAfterExpiry) {
    return {
      ok: false,
      code: 'run_expired',
      reason: `run ${run.run_id} ended at ${run.expires_at}, as its launcher set`,
    };
  }
  return {
    ok: true,
    facts: {
      opened_by: 'launcher',
      launcher_id: run.launcher_id,
      user_id: run.user_id,
      ...(run.team === undefined ? {} : { team: run.team }),
      ...(run.labels === undefined ? {} : { labels: run.labels }),
      ...(run.named === undefined ? {} : { named: run.named }),
      ...(run.tools === undefined ? {} : { tools: run.tools }),
      ...(run.limits === undefined ? {} : { limits: run.limits }),
      expires_at: run.expires_at,
    },
  };
}

function badTicket(reason: string): RunVerdict {
  return { ok: false, code: 'bad_run_ticket', reason: reason.slice(0, 2000) };
}
