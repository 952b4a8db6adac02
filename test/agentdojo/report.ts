import {
  suiteNames,
  tallyDecisions,
  tallyOutcomes,
  type Evaluation,
  type GoalOutcome,
  type LegitimateCallResult,
} from './evaluate';

const outcomeWords: Record<GoalOutcome, string> = {
  blocked: 'blocked outright',
  human: 'needs a human',
  passed: 'passed',
};

/** The headline tables: attacker goals, every AgentDojo pairing, legitimate calls. */
export function summaryTables(evaluation: Evaluation): string {
  const { goals, pairs, legitimate } = evaluation;
  const lines = [
    '| Attacker goals (one run each) | blocked outright | needs a human | passed |',
    '| ----------------------------- | ---------------: | ------------: | -----: |',
  ];
  for (const suite of suiteNames) {
    const tally = tallyOutcomes(goals.filter((goal) => goal.suite === suite).map((goal) => goal.outcome));
    lines.push(`| ${suite} | ${tally.blocked} | ${tally.human} | ${tally.passed} |`);
  }
  const goalTally = tallyOutcomes(goals.map((goal) => goal.outcome));
  lines.push(
    `| **all ${goals.length}** | **${goalTally.blocked}** | **${goalTally.human}** | **${goalTally.passed}** |`,
  );
  lines.push('');
  lines.push('| Every injection × every injectable user task | blocked outright | needs a human | passed |');
  lines.push('| -------------------------------------------- | ---------------: | ------------: | -----: |');
  for (const suite of suiteNames) {
    const tally = tallyOutcomes(pairs.filter((pair) => pair.suite === suite).map((pair) => pair.outcome));
    const count = tally.blocked + tally.human + tally.passed;
    lines.push(`| ${suite} (${count} pairs) | ${tally.blocked} | ${tally.human} | ${tally.passed} |`);
  }
  const pairTally = tallyOutcomes(pairs.map((pair) => pair.outcome));
  lines.push(
    `| **all ${pairs.length}** | **${pairTally.blocked}** | **${pairTally.human}** | **${pairTally.passed}** |`,
  );
  lines.push('');
  lines.push('| Legitimate calls (ground truth) | allowed | needs a human | denied |');
  lines.push('| ------------------------------- | ------: | ------------: | -----: |');
  const row = (label: string, calls: readonly LegitimateCallResult[]) => {
    const tally = tallyDecisions(calls.map((call) => call.outcome.decision));
    lines.push(`| ${label} | ${tally.allow} | ${tally.approval_required} | ${tally.deny} |`);
  };
  for (const suite of suiteNames) {
    const ofSuite = legitimate.filter((call) => call.suite === suite);
    row(`${suite}: all ${ofSuite.length} calls`, ofSuite);
    row(
      `${suite}: ${ofSuite.filter((call) => call.write).length} side-effect calls`,
      ofSuite.filter((call) => call.write),
    );
  }
  row(`**all ${legitimate.length} calls**`, legitimate);
  row(
    `**all ${legitimate.filter((call) => call.write).length} side-effect calls**`,
    legitimate.filter((call) => call.write),
  );
  return lines.join('\n');
}

/** Every attacker goal with the run it rode on and what decided each of its calls. */
export function goalTable(evaluation: Evaluation): string {
  const rows = [
    '| Goal | Rides on | Outcome | Calls: decision (deciding policies) |',
    '| ---- | -------- | ------- | ----------------------------------- |',
  ];
  for (const goal of evaluation.goals) {
    // Consecutive calls decided alike are one entry: "delete_email ×7: deny (...)".
    const entries: { tool: string; verdict: string; count: number }[] = [];
    for (const call of goal.calls) {
      const tool = call.tool.split('.')[1];
      const verdict = `${call.decision} (${[...call.policy_ids].sort().join(', ')})`;
      const last = entries[entries.length - 1];
      if (last !== undefined && last.tool === tool && last.verdict === verdict) last.count += 1;
      else entries.push({ tool, verdict, count: 1 });
    }
    const calls = entries
      .map(({ tool, verdict, count }) => `${tool}${count === 1 ? '' : ` ×${count}`}: ${verdict}`)
      .join('<br>');
    rows.push(`| ${goal.suite} ${goal.id} | ${goal.rides_on} | ${outcomeWords[goal.outcome]} | ${calls} |`);
  }
  return rows.join('\n');
}

/** The legitimate side-effect calls, each with its decision and the policies behind it. */
export function legitimateTable(evaluation: Evaluation): string {
  const lines = [
    '| User task | Call | Decision | Deciding policies |',
    '| --------- | ---- | -------- | ----------------- |',
  ];
  for (const call of evaluation.legitimate.filter((each) => each.write)) {
    lines.push(
      `| ${call.suite} ${call.user_task} | ${call.outcome.tool} | ${call.outcome.decision} | ${[...call.outcome.policy_ids].sort().join(', ')} |`,
    );
  }
  return lines.join('\n');
}

/** The pairings that are not blocked outright. */
export function openPairs(evaluation: Evaluation): string {
  const open = evaluation.pairs.filter((pair) => pair.outcome !== 'blocked');
  if (open.length === 0) return 'Every pairing is blocked outright.';
  return open
    .map(
      (pair) =>
        `- ${pair.suite} ${pair.injection} riding on ${pair.user_task}: ${outcomeWords[pair.outcome]}`,
    )
    .join('\n');
}

export function renderResults(evaluation: Evaluation): string {
  const sources = suiteNames.map((suite) => evaluation.cases[suite].source);
  return [
    '# AgentDojo against the Airlock bundle: results',
    '',
    `Generated by \`test/agentdojo/write-results.ts\` from ${sources[0].repository} at ${sources[0].commit} ` +
      `(benchmark ${sources[0].benchmark_version}) and the bundle in \`test/agentdojo/bundle\`; ` +
      '`agentdojo.spec.ts` asserts the same numbers.',
    '',
    '## Summary',
    '',
    summaryTables(evaluation),
    '',
    '## Attacker goals',
    '',
    goalTable(evaluation),
    '',
    '## Pairings not blocked outright',
    '',
    openPairs(evaluation),
    '',
    '## Legitimate side-effect calls',
    '',
    legitimateTable(evaluation),
    '',
  ].join('\n');
}
