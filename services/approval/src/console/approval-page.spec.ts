import type { TimelineEvent } from '@airlock/audit-record';
import { consoleContentSecurityPolicy, liveStateScript, scriptHashSource } from './approval-live-state';
import { approvalPage, type ApprovalPageContext } from './approval-page';
import { bobsSession, pendingRefund } from './console-test-fixtures';

const session = bobsSession;
const view = pendingRefund;

const context: ApprovalPageContext = {
  policyTexts: {
    'big-refunds-need-two-from-finance':
      '@id("big-refunds-need-two-from-finance")\n@approval("required")\npermit (principal, action, resource)\nwhen { context.arguments.amount_cents > 10000 };',
  },
  preview: { missing: 'payments.refund declares no way to preview it' },
  runSoFar: { outcomes: [] },
};

const outcome = (proposalId: string, tool: string, result: string): TimelineEvent => ({
  seq: 1,
  time: '2026-01-01T00:00:00Z',
  topic: 'airlock.proposals.outcomes',
  event_type: 'airlock.proposal.outcome',
  proposal_id: proposalId,
  agent_id: 'support-triage',
  tool,
  decision: '',
  outcome: result,
  reason_code: '<b>odd</b>',
  policy_ids: [],
  cost_usd: 0.25,
  trace_id: '',
  attestation: 'verified',
  attested_by: 'executor',
  attestation_error: '',
});

describe('the approval detail page', () => {
  it('shows what else ended in the run, escaped, leaving out the request itself', () => {
    const runSoFar = {
      outcomes: [outcome('p-0', 'tickets.create', 'executed'), outcome('p-1', 'payments.refund', 'x')],
    };
    const page = approvalPage(view, session, { ...context, runSoFar });
    const table = page.slice(page.indexOf('id="run-so-far"'));
    expect(table).toContain('tickets.create');
    expect(table).toContain('$0.25');
    expect(table).toContain('&lt;b&gt;odd&lt;/b&gt;');
    expect(table.slice(0, table.indexOf('</table>'))).not.toContain('payments.refund');
    expect(approvalPage(view, session, context)).toContain('Nothing else has ended in this run yet.');
    expect(
      approvalPage(view, session, { ...context, runSoFar: { missing: 'ClickHouse is away' } }),
    ).toContain('Not shown: ClickHouse is away');
  });

  it('shows an agent’s arguments and an approver’s comment as text, never as markup', () => {
    const page = approvalPage(view, session, context);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&quot;billed&quot; &lt;twice&gt;');
    // The live-state script is the page's one and only script element.
    expect(page.match(/<script>/g)).toEqual(['<script>']);
  });

  it('puts the session’s CSRF token in every form', () => {
    const page = approvalPage(view, session, context);
    const forms = page.match(/<form /g) ?? [];
    const tokens = page.match(/name="csrf" value="csrf-token-1"/g) ?? [];
    expect(forms.length).toBe(2);
    expect(tokens.length).toBe(forms.length);
  });

  it('offers no answer on a request that is no longer pending', () => {
    const decided = approvalPage({ ...view, status: 'approved', decided_by: 'carol' }, session, context);
    expect(decided).not.toContain('id="approve"');
  });

  it('shows the Cedar text of each policy that asked, escaped, and says when the bundle lost one', () => {
    const page = approvalPage({ ...view, policy_ids: [...view.policy_ids, 'gone-policy'] }, session, context);
    expect(page).toContain('<h3>big-refunds-need-two-from-finance</h3>');
    expect(page).toContain(
      '@id(&quot;big-refunds-need-two-from-finance&quot;)\n@approval(&quot;required&quot;)\npermit (principal, action, resource)\nwhen { context.arguments.amount_cents &gt; 10000 };',
    );
    expect(page).toContain('<h3>gone-policy</h3>');
    expect(page).toContain('not in the active bundle');
  });

  it('offers approval for the rest of the run only where policy names the paths, and names them', () => {
    expect(approvalPage(view, session, context)).not.toContain('for_rest_of_run');
    const page = approvalPage(
      { ...view, approval_for_run: ['$.charge_id', '$.amount_cents'] },
      session,
      context,
    );
    expect(page).toContain('name="for_rest_of_run" value="true"');
    expect(page.replace(/\s+/g, ' ')).toContain(
      'approve for the rest of this run (calls with equal $.charge_id, $.amount_cents)',
    );
  });

  it('shows what the call would change as a table, changed fields marked, hostile values escaped', () => {
    const page = approvalPage(view, session, {
      ...context,
      preview: {
        rows: [
          { field: 'refunded_cents', before: 0, after: 15000, changed: true },
          {
            field: 'note',
            before: '</td><script>x()</script>',
            after: '</td><script>x()</script>',
            changed: false,
          },
          { field: 'status', before: undefined, after: 'refunded', changed: true },
        ],
      },
    });
    const table = page.replace(/\s+/g, ' ');
    expect(table).toContain(
      '<tr class="changed"> <td>refunded_cents</td> <td>0</td> <td>15000</td> <td>changed</td> </tr>',
    );
    expect(table).toContain('<td>&quot;&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;&quot;</td>');
    expect(table).toContain('<tr class="unchanged"> <td>note</td>');
    expect(table).toContain('<td>status</td> <td>(absent)</td> <td>&quot;refunded&quot;</td>');
    expect(page.match(/<script>/g)).toEqual(['<script>']);
  });

  it('says why there is no preview', () => {
    expect(approvalPage(view, session, { ...context, preview: { missing: 'HTTP <404>' } })).toContain(
      '<p id="preview-missing">no preview: HTTP &lt;404&gt;</p>',
    );
  });

  it('refreshes by polling its state, not by a meta refresh that would wipe a comment being typed', () => {
    const page = approvalPage(view, session, context);
    expect(page).not.toContain('http-equiv="refresh"');
    expect(page).toContain('data-url="/console/approvals/p-1/state"');
    expect(page).toContain('data-page="/console/approvals/p-1"');
    expect(page).toContain('data-status="pending"');
    expect(page).toContain('data-approvals="1"');
  });

  it('allows by its hash exactly the script the page carries, and nothing else inline', () => {
    const page = approvalPage(view, session, context);
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1];
    expect(script).toBe(liveStateScript);
    expect(consoleContentSecurityPolicy).toContain(`script-src ${scriptHashSource(script ?? '')};`);
    expect(consoleContentSecurityPolicy).not.toContain("'unsafe-inline' ;");
    expect(consoleContentSecurityPolicy).not.toMatch(/script-src[^;]*unsafe/);
    expect(consoleContentSecurityPolicy).toContain("connect-src 'self'");
    expect(consoleContentSecurityPolicy).toContain("default-src 'none'");
    // A known vector: the hash is SHA-256 of the UTF-8 text, base64, as browsers compute it.
    expect(scriptHashSource('alert(1)')).toBe("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='");
  });
});
