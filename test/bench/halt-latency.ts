import { performance } from 'node:perf_hooks';
import type { AirlockStack } from '@airlock/testing';
import { round } from './latency-stats';
import { runOpenLoop, sleep } from './open-loop';
import type { OutcomeClock } from './outcome-clock';
import { progress } from './progress';

export interface HaltMeasurement {
  rate: number;
  /** From the operator's POST /operator/halts to the first `halted` outcome a client reads. */
  haltToFirstRefusalMs?: number;
  /** From the same POST until no proposal sent later is executed: later ones all end `halted`. */
  sentAfterHalt: number;
  executedAfterHalt: number;
  halted: number;
}

/**
 * The kill switch under load (issue 7): proposals at a steady rate in fresh runs of the agent, the
 * agent halted half-way through over the operator API, then resumed. Measured at the end of the
 * Airlock phase, so nothing after it runs halted.
 */
export async function measureHaltToRefusal(
  stack: AirlockStack,
  clock: OutcomeClock,
  rate: number,
  durationMs: number,
  lossTimeoutMs: number,
): Promise<HaltMeasurement> {
  progress(`Airlock: kill switch, ${rate}/s for ${durationMs / 1000} s, the agent halted half-way`);
  const agent = stack.agent();
  const sentAt = new Map<string, number>();
  const operator = (path: string, body: unknown) =>
    fetch(`${stack.approvalUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.operatorToken('olivia')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
  const scope = { kind: 'agent', id: agent.agentId };
  const loop = runOpenLoop(rate, durationMs, async (index) => {
    const proposal = agent.proposal(`bench-halt-${index}-${Date.now()}`, 'tickets.create', {
      title: `Halt bench ${index}`,
      priority: 'normal',
    });
    const envelope = await agent.signedEnvelope(proposal);
    sentAt.set(proposal.proposal_id, performance.now());
    await agent.sendEnvelope(envelope);
  });
  await sleep(durationMs / 2);
  const haltedAt = performance.now();
  const answer = await operator('/operator/halts', { ...scope, reason: 'bench: kill switch under load' });
  if (answer.status !== 202) throw new Error(`the operator API answered ${answer.status} to the halt`);
  await loop;
  const ids = [...sentAt.keys()];
  await clock.waitForAll(ids, lossTimeoutMs);
  await operator('/operator/resumes', { ...scope, reason: 'bench: kill switch measured' });
  const outcomes = ids.flatMap((id) => {
    const seen = clock.outcomes.get(id);
    return seen === undefined ? [] : [{ id, ...seen }];
  });
  const refusals = outcomes.filter((seen) => seen.outcome === 'halted').map((seen) => seen.at);
  const afterHalt = outcomes.filter((seen) => (sentAt.get(seen.id) ?? 0) > haltedAt);
  const measurement: HaltMeasurement = {
    rate,
    ...(refusals.length === 0 ? {} : { haltToFirstRefusalMs: round(Math.min(...refusals) - haltedAt, 1) }),
    sentAfterHalt: afterHalt.length,
    executedAfterHalt: afterHalt.filter((seen) => seen.outcome === 'executed').length,
    halted: refusals.length,
  };
  progress(
    `  first refusal ${measurement.haltToFirstRefusalMs ?? '—'} ms after the halt; ` +
      `${measurement.executedAfterHalt} of ${measurement.sentAfterHalt} sent after it executed`,
  );
  // The gates read the resume from airlock.control; give them that moment before anything else runs.
  await sleep(500);
  return measurement;
}
