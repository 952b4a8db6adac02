import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { repoRoot, useAirlockStack, waitUntil } from '@airlock/testing';

/**
 * The MCP front door (ADR 0015), spoken to by the official MCP client: over streamable HTTP the
 * gateway signs as the submitter mcp-gateway for the agent whose token the client presents; over
 * stdio it is the agent host's child process and signs with the agent's own key.
 */
describe('the MCP gateway', () => {
  const airlock = useAirlockStack({
    mcpGateway: true,
    env: { AIRLOCK_MCP_PROGRESS_INTERVAL_MS: '300' },
  });
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });

  const ticketFor = (runId: string) => airlock.stack.launcher().ticketFor(runId, 'support-triage');

  async function httpClient(runId: string, token = airlock.stack.mcpToken()): Promise<Client> {
    const client = new Client({ name: 'airlock-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(airlock.stack.mcpUrl), {
      requestInit: {
        headers: { Authorization: `Bearer ${token}`, 'X-Airlock-Run-Ticket': ticketFor(runId) },
      },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  async function call(
    client: Client,
    name: string,
    args: Record<string, unknown>,
    onprogress?: (p: Progress) => void,
  ) {
    return (await client.callTool({ name, arguments: args }, undefined, {
      timeout: 120_000,
      ...(onprogress === undefined ? {} : { onprogress }),
    })) as CallToolResult;
  }

  /** Policy's decision on the run's one proposal, as the gates saw it. */
  const decisionIn = async (runId: string) =>
    (await airlock.stack.watcher.waitFor('policyDecisions', (event) => event.envelope.runid === runId))
      .envelope.data as { decision: string; proposal: { proposal_id: string; submitted_by?: string } };

  async function approve(proposalId: string): Promise<number> {
    const response = await fetch(`${airlock.stack.approvalUrl}/approvals/${proposalId}/approve`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${airlock.stack.approverToken('bob')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ comment: 'checked over MCP' }),
    });
    return response.status;
  }

  it('lists only the tools policy lets the agent call, with their argument schemas', async () => {
    const client = await httpClient('mcp-list');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['payments.refund', 'tickets.create']);
    expect(tools.find((tool) => tool.name === 'tickets.create')).toMatchObject({
      description: 'Open a ticket in the helpdesk.',
      inputSchema: { type: 'object', required: ['title', 'priority'] },
    });
  });

  it("executes a call signed by the gateway for the agent, answering with the tool's response", async () => {
    const client = await httpClient('mcp-executed');
    const result = await call(client, 'tickets.create', { title: 'Printer on fire', priority: 'high' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ outcome: 'executed', status_code: expect.any(Number) });
    const proposalId = String(result.structuredContent?.['proposal_id']);
    expect(airlock.stack.standIn.requestsFor(proposalId)).toHaveLength(1);
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(
      result.structuredContent?.['result'],
    );
    expect((await decisionIn('mcp-executed')).proposal).toMatchObject({
      proposal_id: proposalId,
      submitted_by: 'mcp-gateway',
    });
  });

  it('answers a denied call with an error naming the outcome and reason code', async () => {
    const client = await httpClient('mcp-denied');
    const result = await call(client, 'payments.refund', {
      charge_id: 'ch_1',
      amount_cents: 60_000,
      reason: 'too much',
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({
      outcome: 'denied',
      reason_code: 'policy_denied',
      decided_by: 'policy',
    });
    expect(airlock.stack.standIn.requestsFor(String(result.structuredContent?.['proposal_id']))).toHaveLength(
      0,
    );
  });

  it('reports progress while a human decides, and executes once an approver approves', async () => {
    const client = await httpClient('mcp-approval');
    const progress: Progress[] = [];
    const answer = call(
      client,
      'payments.refund',
      { charge_id: 'ch_2', amount_cents: 2_500, reason: 'duplicate' },
      (update) => progress.push(update),
    );
    const decision = await decisionIn('mcp-approval');
    expect(decision.decision).toBe('approval_required');
    await waitUntil(
      () => (progress.length >= 2 ? true : undefined),
      20_000,
      () => `two progress notifications (got ${progress.length})`,
    );
    expect(progress[0]?.message).toContain('waiting for a human to approve');
    expect(await approve(decision.proposal.proposal_id)).toBe(200);
    const result = await answer;
    expect(result.structuredContent).toMatchObject({
      outcome: 'executed',
      proposal_id: decision.proposal.proposal_id,
    });
    expect(airlock.stack.standIn.requestsFor(decision.proposal.proposal_id)).toHaveLength(1);
  });

  it('refuses a client whose token is not one the submitter lists', async () => {
    await expect(httpClient('mcp-wrong-token', 'not-the-token-of-any-agent-at-all')).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('send Authorization: Bearer <token>'),
    });
  });

  it('over stdio signs as the agent itself, and a call that timed out resumes rather than runs twice', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        '-r',
        join(repoRoot, 'deploy/local/register-paths.js'),
        join(repoRoot, 'dist/services/mcp-gateway/src/main-stdio.js'),
      ],
      cwd: repoRoot,
      env: {
        ...airlock.stack.serviceEnv,
        PATH: process.env['PATH'] ?? '',
        AIRLOCK_MCP_AGENT_ID: 'support-triage',
        AIRLOCK_MCP_RUN_TICKET: ticketFor('mcp-stdio'),
        AIRLOCK_MCP_CALL_TIMEOUT_MS: '2000',
      },
      stderr: 'ignore',
    });
    const client = new Client({ name: 'airlock-e2e-stdio', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    const refund = { charge_id: 'ch_3', amount_cents: 1_200, reason: 'late delivery' };

    const pending = await call(client, 'payments.refund', refund);
    expect(pending.isError).toBe(true);
    expect(pending.structuredContent).toMatchObject({ outcome: 'pending', waiting_for: 'outcome' });
    const decision = await decisionIn('mcp-stdio');
    expect(decision.proposal.proposal_id).toBe(pending.structuredContent?.['proposal_id']);
    expect(decision.proposal.submitted_by).toBeUndefined();

    expect(await approve(decision.proposal.proposal_id)).toBe(200);
    const resumed = await call(client, 'payments.refund', refund);
    expect(resumed.structuredContent).toMatchObject({
      outcome: 'executed',
      proposal_id: decision.proposal.proposal_id,
    });
    expect(airlock.stack.standIn.requestsFor(decision.proposal.proposal_id)).toHaveLength(1);
  });
});
