import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file the generated policies go to, in the stack's copy of the bundle. */
export const generatedPolicyFile = 'bench-generated.cedar';

/**
 * Pads a copy of the bundle's policies to `total` with generated ones, for the growth bench. They
 * are the shapes a real bundle accumulates: per-agent permits, per-team refund ceilings and
 * approvals, content rules on the support team's own tickets (these match the bench's request and
 * are evaluated for it, but never fire on its titles), and agent permits with exceptions. None of
 * them changes the verdict on the bench's tickets.create by support-triage: still allow.
 */
export function padPolicies(bundleDir: string, total: number): number {
  const dir = join(bundleDir, 'policies');
  const existing = readdirSync(dir)
    .filter((file) => file.endsWith('.cedar'))
    .reduce((count, file) => count + (readFileSync(join(dir, file), 'utf8').match(/@id\(/g) ?? []).length, 0);
  const extra = Math.max(0, total - existing);
  const policies = Array.from({ length: extra }, (_, index) => generatedPolicy(index));
  writeFileSync(join(dir, generatedPolicyFile), `${policies.join('\n\n')}\n`);
  return existing + extra;
}

function generatedPolicy(index: number): string {
  const team = `Team::"team-${index % 97}"`;
  const agent = `Agent::"agent-${index}"`;
  const ceiling = 1000 + (index % 50) * 100;
  switch (index % 5) {
    case 0:
      return `@id("bench-${index}-agent-opens-tickets")
permit (principal == ${agent}, action == Action::"tickets.create", resource)
when { context.arguments has priority && context.arguments.priority != "urgent" };`;
    case 1:
      return `@id("bench-${index}-team-refund-ceiling")
forbid (principal in ${team}, action == Action::"payments.refund", resource)
when { context.arguments has amount_cents && context.arguments.amount_cents > ${ceiling} };`;
    case 2:
      return `@id("bench-${index}-team-refunds-need-approval")
@approval("required")
permit (principal in ${team}, action == Action::"payments.refund", resource)
when { context.arguments has amount_cents && context.arguments.amount_cents <= ${ceiling} };`;
    case 3:
      return `@id("bench-${index}-support-ticket-content-rule")
forbid (principal in Team::"support", action == Action::"tickets.create", resource)
when { context.arguments has title && context.arguments.title like "*blocked-phrase-${index}*" };`;
    default:
      return `@id("bench-${index}-agent-mail-and-tickets")
permit (principal == ${agent}, action in [Action::"email.send", Action::"tickets.create"], resource)
unless { context.arguments has to && context.arguments.to like "*@competitor-${index}.example" };`;
  }
}
