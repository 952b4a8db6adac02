import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Proposal, ToolDefinition } from '@airlock/contracts';
import { meterValue } from '@airlock/budget-ledger';
import { stringsAt } from './argument-paths';
import { resultFacts, type ResultFact } from './result-facts';

/**
 * What a run has done so far, as the policy gate recorded it from its own decisions: every call it
 * allowed or sent to a human, in the run's order (the gate handles a run's proposals one at a time).
 * Kept by Airlock, never taken from the agent. Counting a call when it is let through rather than
 * when it executes over-counts a call that is later denied or fails: the safe side for a policy
 * that limits or distrusts what came before.
 */
export interface RunHistory {
  /** Calls per tool. */
  calls: Record<string, number>;
  /** Sums of the meters the tools declare (e.g. money_moved_cents). */
  meters: Record<string, number>;
  /** Every distinct recipient named at a path a tool declares under `recipients`. */
  recipients: string[];
  /** A tool declared `returns_untrusted_content` was let through in this run. */
  tainted: boolean;
  /** The last tools, oldest first. */
  last_tools: string[];
  /**
   * Facts read from the answers of executed calls, by the tools' `result_facts`: taken from the
   * executor's attested executed events, never from the agent, and so only once the gate has read
   * the event (a proposal judged before then does not see them).
   */
  results: Record<string, ResultFact>;
}

/** How many of the last tools are kept. */
const lastToolsKept = 5;
/** Distinct recipients kept; past it the run is treated as having named too many to list. */
const maxRecipients = 200;

export const emptyRunHistory: RunHistory = {
  calls: {},
  meters: {},
  recipients: [],
  tainted: false,
  last_tools: [],
  results: {},
};

/** The history after the gate let `proposal` through. */
export function recordCall(history: RunHistory, proposal: Proposal, tool: ToolDefinition): RunHistory {
  const meters = { ...history.meters };
  for (const [meter, path] of Object.entries(tool.meters ?? {})) {
    const value = meterValue(proposal.arguments, path);
    if (value !== undefined) meters[meter] = (meters[meter] ?? 0) + value;
  }
  const recipients = new Set(history.recipients);
  for (const path of tool.recipients ?? []) {
    for (const recipient of stringsAt(proposal.arguments, path)) {
      if (recipients.size < maxRecipients) recipients.add(recipient.toLowerCase());
    }
  }
  return {
    calls: { ...history.calls, [tool.name]: (history.calls[tool.name] ?? 0) + 1 },
    meters,
    recipients: [...recipients].sort(),
    tainted: history.tainted || tool.returns_untrusted_content === true,
    last_tools: [...history.last_tools, tool.name].slice(-lastToolsKept),
    results: history.results,
  };
}

/**
 * The history after a call of `tool` executed with `response` (as the executor reported it): the
 * latest answer is the truth about what it lists, so each fact the tool declares is replaced by
 * what this answer says, and dropped where this answer supports none.
 */
export function recordResult(
  history: RunHistory,
  tool: ToolDefinition,
  response: unknown,
  truncated = false,
): RunHistory {
  const declared = new Set(Object.keys(tool.result_facts ?? {}));
  const kept = Object.entries(history.results).filter(([name]) => !declared.has(name));
  return {
    ...history,
    results: { ...Object.fromEntries(kept), ...resultFacts(tool, response, truncated) },
  };
}

/**
 * The history as policies read it, `context.history`: `calls` and `meters` are records keyed by
 * tool and meter name (absent until the first; read with `has`), `recipients` and `last_tools` are
 * sets, `tainted` a boolean, `last_tool` the previous call's tool when there was one, `results`
 * a record of the facts read from answers (each a string or a set; absent until read).
 */
export function historyContext(history: RunHistory): Record<string, CedarValueJson> {
  const last = history.last_tools[history.last_tools.length - 1];
  return {
    calls: history.calls,
    meters: history.meters,
    recipients: history.recipients,
    tainted: history.tainted,
    last_tools: history.last_tools,
    results: history.results,
    ...(last === undefined ? {} : { last_tool: last }),
  };
}
