import type { Limit } from '@airlock/contracts';
import { windowStart } from './limits';

/** Spend of one day, team, agent and tool or model, as audit's spend_by_day view has it. */
export interface DailySpend {
  day: string /* YYYY-MM-DD, UTC */;
  team: string;
  agent_id: string;
  /** The tool of a tool call; empty for inference. */
  tool: string;
  /** The model of priced inference; empty for a tool call. */
  model: string;
  spend_usd: number;
}

/** How much of one limit's cap one subject (agent, team, everyone) has spent in the current window. */
export interface SpendStanding {
  limit_id: string;
  scope: Limit['scope'];
  /** The agent or team; `*` for a global limit. */
  subject: string;
  measure: 'spend' | 'inference';
  window: 'day' | 'month';
  window_start: string;
  spent_usd: number;
  max_usd: number;
}

/**
 * Spend against the bundle's money caps over daily or monthly windows, per subject, from recorded
 * spend: what an analyst compares week to week. Budget's ledger is what enforces; this reads only
 * what audit recorded as executed or priced, so a reservation in flight is not in it. Caps per run,
 * over minutes or hours, and on calls or meters are left to `airlock budget`, which reads the ledger.
 */
export function spendStandings(
  limits: readonly Limit[],
  spend: readonly DailySpend[],
  now: Date,
): SpendStanding[] {
  const standings: SpendStanding[] = [];
  for (const limit of limits) {
    const measure =
      limit.max_spend_usd !== undefined
        ? 'spend'
        : limit.max_inference_usd !== undefined
          ? 'inference'
          : undefined;
    const window = limit.window === 'day' || limit.window === 'month' ? limit.window : undefined;
    if (measure === undefined || window === undefined || limit.scope === 'run') continue;
    const from = windowStart(window, now).toISOString().slice(0, 10);
    const counted = spend.filter(
      (row) =>
        row.day >= from &&
        (measure === 'spend' ? row.model === '' : row.model !== '') &&
        (limit.tool === undefined || row.tool === limit.tool),
    );
    const subjectOf = (row: DailySpend) =>
      limit.scope === 'agent' ? row.agent_id : limit.scope === 'team' ? row.team : '*';
    const bySubject = new Map<string, number>();
    for (const row of counted) {
      const subject = subjectOf(row);
      if (limit.applies_to !== undefined && subject !== limit.applies_to) continue;
      bySubject.set(subject, (bySubject.get(subject) ?? 0) + row.spend_usd);
    }
    for (const [subject, spent] of [...bySubject].sort(([a], [b]) => a.localeCompare(b))) {
      standings.push({
        limit_id: limit.id,
        scope: limit.scope,
        subject,
        measure,
        window,
        window_start: from,
        spent_usd: spent,
        max_usd: (measure === 'spend' ? limit.max_spend_usd : limit.max_inference_usd) ?? 0,
      });
    }
  }
  return standings;
}
