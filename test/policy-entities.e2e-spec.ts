import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useAirlockStack } from '@airlock/testing';

/**
 * Policy entities operators change over the bundle's (docs/policies.md): through the operator API
 * and the CLI, read by the policy gate without a restart and after one, each decision naming the
 * version it used.
 */
describe("operators' policy entities", () => {
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      writeFileSync(
        join(dir, 'policies', 'muted.cedar'),
        [
          '@id("muted-users-open-no-tickets")',
          'forbid (principal, action == Action::"tickets.create", resource)',
          'when { context has user && context.user has muted && context.user.muted };',
        ].join('\n'),
      );
    },
  });

  const operatorApi = (method: string, path: string, token: string | undefined, body?: unknown) =>
    airlock.stack.callApi(path, { method, ...(token === undefined ? {} : { token }), body });
  const olivia = () => airlock.stack.operatorToken('olivia');
  const ticket = { title: 'Printer on fire', priority: 'high' };

  /** The ticket's verdict, and the entities version its policy decision recorded. */
  async function openTicket(runId: string): Promise<{ verdict: string; entitiesVersion: number }> {
    const proposal = airlock.agent.proposal(runId, 'tickets.create', ticket);
    await airlock.agent.submit(proposal);
    const verdict = await airlock.stack.watcher.waitForVerdict(proposal.proposal_id);
    let rows: { payload: string }[] = [];
    for (let attempt = 0; attempt < 100 && rows.length === 0; attempt += 1) {
      rows = await airlock.stack.clickhouse.select<{ payload: string }>(
        `SELECT payload FROM ${airlock.stack.database}.events FINAL
          WHERE topic = 'airlock.policy.decisions' AND proposal_id = '${proposal.proposal_id}' AND attestation = 'verified'`,
      );
      if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
      verdict,
      entitiesVersion: (JSON.parse(rows[0]?.payload ?? '{}') as { entities_version: number })
        .entities_version,
    };
  }

  /** Proposes in fresh runs until the policy gate has read the change (it applies asynchronously). */
  async function openTicketUntil(verdict: string): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const answer = await openTicket(`run-until-${attempt}-${Date.now()}`);
      if (answer.verdict === verdict) return answer.entitiesVersion;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`no ticket was ${verdict} within 20 attempts`);
  }

  it('applies a change without a restart, keeps it after one, and each decision names the version', async () => {
    expect(await openTicket('run-before')).toEqual({
      verdict: 'executed/tool_call_succeeded',
      entitiesVersion: 0,
    });

    const muted = await operatorApi('PUT', '/operator/entities/User/u-1', olivia(), {
      attrs: { muted: true },
      reason: 'u-1 asked us to stop opening tickets for them',
    });
    expect(muted.status).toBe(202);
    const change = (await muted.json()) as { version: number; state: string; operator_id: string };
    expect(change).toMatchObject({ state: 'set', operator_id: 'olivia' });
    expect(await openTicketUntil('denied/policy_denied')).toBe(change.version);

    // Read back from the compacted topic when the policy service starts again.
    await airlock.stack.services.policy.restart();
    expect(await openTicket('run-after-restart')).toEqual({
      verdict: 'denied/policy_denied',
      entitiesVersion: change.version,
    });

    const listed = (await (await operatorApi('GET', '/operator/entities', olivia())).json()) as {
      version: number;
      entities: { entity: unknown; operator_id: string }[];
    };
    expect(listed).toMatchObject({
      version: change.version,
      entities: [
        { entity: { uid: { type: 'User', id: 'u-1' }, attrs: { muted: true } }, operator_id: 'olivia' },
      ],
    });

    const removed = await operatorApi('DELETE', '/operator/entities/User/u-1', olivia(), {
      reason: 'u-1 changed their mind',
    });
    expect(removed.status).toBe(202);
    const { version: removedAt } = (await removed.json()) as { version: number };
    expect(removedAt).toBeGreaterThan(change.version);
    expect(await openTicketUntil('executed/tool_call_succeeded')).toBe(removedAt);

    // Each change is in the audit, attested by the approval service, with who and why.
    const audited = await airlock.stack.clickhouse.select<{ decision: string; attestation: string }>(
      `SELECT decision, attestation FROM ${airlock.stack.database}.events FINAL
        WHERE topic = 'airlock.entities' ORDER BY event_time`,
    );
    expect(audited).toEqual([
      { decision: 'set', attestation: 'verified' },
      { decision: 'removed', attestation: 'verified' },
    ]);
  });

  it('lets only operators change entities, and refuses what the policy gate could not read', async () => {
    const body = { attrs: { muted: true }, reason: 'r' };
    expect((await operatorApi('PUT', '/operator/entities/User/u-9', undefined, body)).status).toBe(401);
    expect(
      (await operatorApi('PUT', '/operator/entities/User/u-9', airlock.stack.approverToken('bob'), body))
        .status,
    ).toBe(403);
    for (const [path, refused] of [
      ['/operator/entities/Agent/support-triage', body],
      ['/operator/entities/user/u-9', body],
      ['/operator/entities/User/u-9', { attrs: { limit: 1.5 }, reason: 'r' }],
      ['/operator/entities/User/u-9', { attrs: { muted: true } }],
      ['/operator/entities/User/u-9', { attrs: { muted: true }, reason: 'r', extra: 1 }],
    ] as const) {
      const answer = await operatorApi('PUT', path, olivia(), refused);
      expect({ path, refused, status: answer.status }).toEqual({ path, refused, status: 400 });
    }
    const listed = (await (await operatorApi('GET', '/operator/entities', olivia())).json()) as {
      entities: { entity: { uid: { id: string } } }[];
    };
    expect(listed.entities.map(({ entity }) => entity.uid.id)).not.toContain('u-9');
  });

  it("sets, lists, shows and removes an entity from the command line, with the operator's token", async () => {
    const cli = (...args: string[]) => airlock.stack.runCli(args, { AIRLOCK_OPERATOR_TOKEN: olivia() });
    const set = await cli(
      'entity',
      'set',
      'Org',
      'acme',
      '--attrs',
      '{"domains": ["acme.example"]}',
      '--reason',
      'our domain',
    );
    expect(set.stderr).toBe('');
    expect(set.stdout).toMatch(/^set Org::"acme" as version \d+ \(by olivia\)/);
    expect((await cli('entities')).stdout).toContain('Org::"acme"');
    expect((await cli('entity', 'remove', 'Org', 'acme', '--reason', 'sold')).status).toBe(0);
    const history = (await cli('entity', 'history', 'Org', 'acme')).stdout.split('\n');
    expect(history[0]).toMatch(/^v\d+ .* removed by olivia: sold$/);
    expect(history[1]).toMatch(/set by olivia: our domain \{"domains":\["acme.example"\]\}$/);
    expect((await cli('entity', 'set', 'Org', 'acme', '--attrs', 'not json', '--reason', 'x')).status).toBe(
      2,
    );
  });
});
