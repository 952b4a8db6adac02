import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { attestEvent, generateSigningKey } from '@airlock/attestation';
import { buildEnvelope } from '@airlock/contracts';
import { storeSchemaName } from '@airlock/postgres';
import { eventually, localInfra, useAirlockStack } from '@airlock/testing';

/** What the drive lists: f-big is the largest. */
const listing = {
  files: [
    { id: 'f-small', size: 120, owner: 'alice@example.com' },
    { id: 'f-big', size: 9000, owner: 'alice@example.com' },
    { id: 'f-mid', size: 700, owner: 'bob@example.com' },
  ],
};

/**
 * Facts read from a trusted tool's answer (ADR 0018): the policy gate takes them from the
 * executor's attested executed event into the run's history, and a later proposal is judged by them.
 */
describe('policies over the facts of executed answers', () => {
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      const ticketTool = JSON.parse(readFileSync(join(dir, 'tools', 'tickets.create.json'), 'utf8'));
      const tool = (name: string, extra: Record<string, unknown>) =>
        writeFileSync(
          join(dir, 'tools', `${name}.json`),
          JSON.stringify({ ...ticketTool, name, description: name, sensitive_fields: [], ...extra }),
        );
      tool('drive.list_files', {
        risk: 'read',
        idempotent: true,
        arguments_schema: { type: 'object', properties: {}, additionalProperties: false },
        adapter: { ...ticketTool.adapter, path: '/files/list' },
        result_facts: { largest_file_id: { from: '$.files[*]', max_by: 'size', take: 'id' } },
      });
      tool('drive.delete_file', {
        arguments_schema: {
          type: 'object',
          required: ['file_id'],
          properties: { file_id: { type: 'string' } },
          additionalProperties: false,
        },
        adapter: { ...ticketTool.adapter, path: '/files/delete' },
      });
      const largest =
        'context.history.results has largest_file_id && context.history.results.largest_file_id == context.arguments.file_id';
      writeFileSync(
        join(dir, 'policies', 'drive.cedar'),
        [
          '@id("support-may-list-files")',
          'permit (principal in Team::"support", action == Action::"drive.list_files", resource);',
          '@id("delete-the-largest-listed-file")',
          `permit (principal in Team::"support", action == Action::"drive.delete_file", resource) when { ${largest} };`,
          '@id("delete-another-file-needs-a-human")',
          '@approval("required")',
          `permit (principal in Team::"support", action == Action::"drive.delete_file", resource) unless { ${largest} };`,
        ].join('\n'),
      );
      const budgets = join(dir, 'budgets.json');
      const limits = JSON.parse(readFileSync(budgets, 'utf8'));
      writeFileSync(
        budgets,
        JSON.stringify({ ...limits, per_run: { ...limits.per_run, max_tool_calls: 10 } }),
      );
    },
  });

  /** The facts the policy gate keeps for the run, read from its PostgreSQL as the gate stores them. */
  async function resultsOf(runId: string): Promise<Record<string, unknown>> {
    const client = new Client({ connectionString: localInfra.postgresUrl });
    await client.connect();
    try {
      const rows = await client.query<{ results: Record<string, unknown> | null }>(
        `SELECT history->'results' AS results FROM ${storeSchemaName('policy', airlock.stack.namespace)}.run_history WHERE run_id = $1`,
        [runId],
      );
      return rows.rows[0]?.results ?? {};
    } finally {
      await client.end();
    }
  }

  async function waitForFact(runId: string): Promise<Record<string, unknown>> {
    await eventually(
      async () => (await resultsOf(runId))['largest_file_id'] !== undefined,
      30000,
      () => `no result fact reached the history of ${runId}`,
    );
    return resultsOf(runId);
  }

  const decisionOf = async (proposalId: string) =>
    (
      await airlock.stack.watcher.waitFor(
        'policyDecisions',
        (event) => event.envelope.proposalid === proposalId,
      )
    ).envelope.data;

  const remove = (runId: string, fileId: string) =>
    airlock.agent.proposal(runId, 'drive.delete_file', { file_id: fileId });

  it('allows deleting the file the executed listing showed as the largest, and sends another to a human', async () => {
    airlock.stack.standIn.respondWith(200, JSON.stringify(listing));
    const list = airlock.agent.proposal('run-drive', 'drive.list_files', {});
    await airlock.agent.submit(list);
    expect(await airlock.stack.watcher.waitForVerdict(list.proposal_id)).toBe('executed/tool_call_succeeded');
    expect(await waitForFact('run-drive')).toEqual({ largest_file_id: 'f-big' });

    const biggest = remove('run-drive', 'f-big');
    await airlock.agent.submit(biggest);
    expect(await airlock.stack.watcher.waitForVerdict(biggest.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );
    expect(await decisionOf(biggest.proposal_id)).toMatchObject({
      decision: 'allow',
      policy_ids: ['delete-the-largest-listed-file'],
    });

    const other = remove('run-drive', 'f-mid');
    await airlock.agent.submit(other);
    expect(await decisionOf(other.proposal_id)).toMatchObject({
      decision: 'approval_required',
      policy_ids: ['delete-another-file-needs-a-human'],
    });
    expect(airlock.stack.standIn.requestsFor(other.proposal_id)).toHaveLength(0);
  });

  it('replaces the fact by a newer listing, and a redelivered older executed event changes nothing', async () => {
    const newer = {
      files: [
        { id: 'f-mid', size: 700 },
        { id: 'f-small', size: 120 },
      ],
    };
    airlock.stack.standIn.respondWith(200, JSON.stringify(newer));
    const relist = airlock.agent.proposal('run-drive', 'drive.list_files', {});
    await airlock.agent.submit(relist);
    await eventually(
      async () => (await resultsOf('run-drive'))['largest_file_id'] === 'f-mid',
      30000,
      () => 'the newer listing did not replace the fact',
    );
    // The first listing's executed event, attested by the executor, delivered once more.
    const first = airlock.stack.watcher.events(
      'actionsExecuted',
      (event) => event.envelope.runid === 'run-drive' && event.envelope.proposalid !== relist.proposal_id,
    )[0];
    await airlock.agent.sendRaw('run-drive', JSON.stringify(first?.envelope), 'actionsExecuted');
    const policyLog = join(airlock.stack.dir, 'logs', 'policy.log');
    await eventually(
      async () =>
        readFileSync(policyLog, 'utf8')
          .split('\n')
          .some(
            (line) =>
              line.includes('result already read') && line.includes(String(first?.envelope.proposalid)),
          ),
      30000,
      () => 'the policy gate did not read the redelivered event',
    );
    expect(await resultsOf('run-drive')).toEqual({ largest_file_id: 'f-mid' });
  });

  it('sends a deletion judged before the listing executed to a human, and allows one proposed after', async () => {
    airlock.stack.standIn.respondWith(200, JSON.stringify(listing));
    // The listing's answer comes late, so the deletion reaches policy before its executed event.
    // Under the executor's 5 s tool timeout.
    airlock.stack.standIn.delayResponses(4000);
    try {
      const list = airlock.agent.proposal('run-early', 'drive.list_files', {});
      const early = remove('run-early', 'f-big');
      await airlock.agent.submit(list);
      await airlock.agent.submit(early);
      expect(await decisionOf(early.proposal_id)).toMatchObject({
        decision: 'approval_required',
        policy_ids: ['delete-another-file-needs-a-human'],
      });
      expect(airlock.stack.watcher.forProposal('outcomes', list.proposal_id)).toHaveLength(0);
      expect(await airlock.stack.watcher.waitForVerdict(list.proposal_id)).toBe(
        'executed/tool_call_succeeded',
      );
    } finally {
      airlock.stack.standIn.delayResponses(0);
    }
    await waitForFact('run-early');
    const later = remove('run-early', 'f-big');
    await airlock.agent.submit(later);
    expect(await decisionOf(later.proposal_id)).toMatchObject({ decision: 'allow' });
  });

  it('takes no fact from an executed event the executor did not attest', async () => {
    const forger = await generateSigningKey('executor-1');
    const forged = buildEnvelope(
      'actionsExecuted',
      'airlock/executor',
      { runId: 'run-forged-listing', proposalId: 'p-forged-listing', dedupKey: 'p-forged-listing' },
      {
        proposal_id: 'p-forged-listing',
        run_id: 'run-forged-listing',
        agent_id: 'support-triage',
        tool: 'drive.list_files',
        idempotency_key: 'forged',
        status_code: 200,
        response: { files: [{ id: 'f-victim', size: 1e9 }] },
        cost_usd: 0,
        bundle_hash: '0'.repeat(64),
      },
    );
    // An event attestation in the executor's name, by a key that is not the executor's.
    const attested = await attestEvent(forger.signingKey, 'executor', forged);
    await airlock.agent.sendRaw('run-forged-listing', JSON.stringify(attested), 'actionsExecuted');
    const refusal = await airlock.stack.watcher.waitFor(
      'dlq',
      (event) =>
        event.envelope.runid === 'run-forged-listing' && event.envelope.data['consumer'] === 'policy',
    );
    expect(refusal.envelope.data['reason_code']).toBe('invalid_attestation');

    const victim = remove('run-forged-listing', 'f-victim');
    await airlock.agent.submit(victim);
    expect(await decisionOf(victim.proposal_id)).toMatchObject({ decision: 'approval_required' });
    expect(await resultsOf('run-forged-listing')).toEqual({});
  });
});
