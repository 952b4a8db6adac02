import type { Command, CommandInput, OptionSpec } from '../command';
import { compactJson, table } from '../text-layout';
// What the approval API answers, as the approval service defines it (types only, erased at run time).
import type { DecideResult } from '../../../../services/approval/src/approval-desk';
import type { ApprovalDetail, ApprovalView } from '../../../../services/approval/src/approval-view';

const group =
  'Approvers (an approver token: --as <approver> from approver-tokens.json, or AIRLOCK_APPROVER_TOKEN)';
const proposal = [{ name: 'proposal_id' }];

const text = (input: CommandInput, name: string) => input.options[name] as string | undefined;
const path = (input: CommandInput) => `/approvals/${encodeURIComponent(input.operands['proposal_id'] ?? '')}`;

function answer(verdict: 'approve' | 'deny'): Command {
  const options: Record<string, OptionSpec> = {
    as: {
      type: 'string',
      value: 'approver',
      help: 'answer as this local approver (needed unless AIRLOCK_APPROVER_TOKEN is set)',
    },
    comment: { type: 'string', value: 'text', help: 'why, recorded with the answer' },
  };
  if (verdict === 'approve') {
    options['for-rest-of-run'] = {
      type: 'boolean',
      help: "also approve the run's later calls with the same values, where the policy says @approval_for_run",
    };
  }
  return {
    words: [verdict],
    operands: proposal,
    options,
    group,
    summary:
      verdict === 'approve'
        ? 'approve a waiting proposal (an agent owner may not approve its own agent)'
        : 'deny a waiting proposal: it ends approval_denied',
    async run(input, context) {
      const body = {
        ...(text(input, 'comment') === undefined ? {} : { comment: text(input, 'comment') }),
        ...(input.options['for-rest-of-run'] === true ? { for_rest_of_run: true } : {}),
      };
      const result = await context
        .approverApi(text(input, 'as'), true)
        .call<DecideResult>('POST', `${path(input)}/${verdict}`, body);
      const waiting = result.status === 'pending' && result.missing !== undefined;
      return {
        data: result,
        lines: waiting
          ? [
              `${result.proposal_id} approved by ${(result.approved_by ?? []).join(', ')}; still waiting for:`,
              ...(result.missing ?? []).map((missing) => `  ${missing}`),
            ]
          : [
              `${result.proposal_id} ${result.status}; the proposal goes on as soon as the gates read the answer`,
            ],
      };
    },
  };
}

export const approvalCommands: readonly Command[] = [
  {
    words: ['approvals'],
    options: {
      status: {
        type: 'string',
        value: 'status',
        help: 'pending (default), approved, denied, expired, or all',
      },
      as: { type: 'string', value: 'approver', help: 'list as this local approver (default: the first)' },
    },
    group,
    summary: 'the approval requests, waiting ones by default',
    async run(input, context) {
      const status = text(input, 'status') ?? 'pending';
      const { approvals } = await context
        .approverApi(text(input, 'as'), false)
        .call<{ approvals: ApprovalView[] }>('GET', `/approvals?status=${encodeURIComponent(status)}`);
      return {
        data: { approvals },
        lines:
          approvals.length === 0
            ? [`no ${status === 'all' ? '' : `${status} `}approval requests`]
            : table(
                ['proposal', 'run', 'agent', 'tool', 'status', 'expires', 'arguments'],
                approvals.map((view) => [
                  view.proposal_id,
                  view.run_id,
                  view.agent_id,
                  view.tool,
                  view.decided_by === null ? view.status : `${view.status} by ${view.decided_by}`,
                  view.expires_at,
                  compactJson(view.arguments, 60),
                ]),
              ),
      };
    },
  },
  {
    words: ['approval'],
    operands: proposal,
    options: {
      as: { type: 'string', value: 'approver', help: 'look as this local approver (default: the first)' },
    },
    group,
    summary:
      'one approval request in full: the arguments, what the call would change, the policies that asked, until when',
    async run(input, context) {
      const view = await context
        .approverApi(text(input, 'as'), false)
        .call<ApprovalDetail>('GET', path(input));
      const forRun =
        view.approval_for_run === null ? 'no' : `yes, for equal ${view.approval_for_run.join(', ')}`;
      return {
        data: view,
        lines: [
          `${view.proposal_id}: ${view.agent_id} asks to call ${view.tool} in run ${view.run_id}`,
          `  status     ${view.status}${view.decided_by === null ? '' : ` by ${view.decided_by}`}`,
          `  asked by   ${view.policy_ids.join(', ')}`,
          `  needs      ${view.needs.join('; ')}`,
          `  approved   ${view.approvals.length === 0 ? 'by nobody yet' : view.approvals.map((approval) => approval.approver_id).join(', ')}`,
          `  requested  ${view.requested_at}, expires ${view.expires_at}`,
          `  rest of run may be approved with it: ${forRun}`,
          '  arguments',
          ...JSON.stringify(view.arguments, null, 2)
            .split('\n')
            .map((line) => `    ${line}`),
          ...('missing' in view.preview
            ? [`  no preview: ${view.preview.missing}`]
            : [
                '  would change',
                ...view.preview.rows
                  .filter((row) => row.changed)
                  .map(
                    (row) =>
                      `    ${row.field}: ${JSON.stringify(row.before)} -> ${JSON.stringify(row.after)}`,
                  ),
              ]),
        ],
      };
    },
  },
  answer('approve'),
  answer('deny'),
];
