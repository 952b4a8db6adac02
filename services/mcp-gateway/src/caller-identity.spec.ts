import { createHash } from 'node:crypto';
import type { SubmitterRecord } from '@airlock/contracts';
import { identifyHttpCaller, runTicketClaims } from './caller-identity';

const token = 'a-token-of-at-least-sixteen-characters';
const submitter: SubmitterRecord = {
  id: 'mcp-gateway',
  name: 'gateway',
  agents: [
    { id: 'support-triage', token_sha256: createHash('sha256').update(token).digest('hex') },
    { id: 'disabled', token_sha256: '' },
  ],
  public_keys: [],
};

function ticketFor(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'EdDSA' })}.${part(claims)}.c2ln`;
}

describe('identifyHttpCaller', () => {
  const ticket = ticketFor({ run_id: 'run-1', agent_id: 'support-triage' });

  it("names the agent whose token hash matches, and the ticket's run", () => {
    expect(identifyHttpCaller(submitter, token, ticket)).toEqual({
      ok: true,
      caller: { agentId: 'support-triage', runId: 'run-1', runTicket: ticket },
    });
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', `${token}x`],
    ['an empty token, which must not match an agent without a hash', ''],
  ])('refuses %s with 401', (_what, presented) => {
    expect(identifyHttpCaller(submitter, presented, ticket)).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a missing or unreadable ticket with 400', () => {
    expect(identifyHttpCaller(submitter, token, undefined)).toMatchObject({ ok: false, status: 400 });
    expect(identifyHttpCaller(submitter, token, 'not-a-jws')).toMatchObject({ ok: false, status: 400 });
  });

  it("refuses a ticket for another agent than the token's", () => {
    const other = ticketFor({ run_id: 'run-1', agent_id: 'someone-else' });
    expect(identifyHttpCaller(submitter, token, other)).toEqual({
      ok: false,
      status: 400,
      message:
        "the run ticket opens run run-1 for agent someone-else, but your token is agent support-triage's",
    });
  });
});

describe('runTicketClaims', () => {
  it('reads run_id and agent_id, and refuses a payload without them', () => {
    expect(runTicketClaims(ticketFor({ run_id: 'r', agent_id: 'a' }))).toEqual({
      ok: true,
      runId: 'r',
      agentId: 'a',
    });
    expect(runTicketClaims(ticketFor({ run_id: 1 }))).toMatchObject({ ok: false });
    expect(runTicketClaims('a.%%%.c')).toMatchObject({ ok: false });
  });
});
