import {
  checkGateProof,
  verifyEventAttestation,
  type ExecutionProofInput,
  type ProofStage,
  type ServiceKeyring,
} from '@airlock/attestation';
import { topics, type Envelope, type GateName, type TopicKey } from '@airlock/contracts';
import { currentTraceHeaders, withConsumerSpan } from '@airlock/telemetry';
import { deadLetterEnvelope } from './dead-letter';
import type { ConsumerLogger } from './kafka-batch-consumer';
import { type Emission, type EventPublisher, type OutgoingMessage } from './event-publisher';
import { classifyFailure } from './failure-classification';
import { defaultMaxMessageBytes, parseEvent, type ParsedEvent, type RawKafkaMessage } from './incoming-event';
import { runInOrderPerKey } from './keyed-concurrency';
import { BatchInterruptedError, type TopicBatchHandler } from './topic-batch-handler';
import { InfrastructureError } from '@airlock/contracts';

export type RefusedEvent = Extract<ParsedEvent<TopicKey>, { ok: false }>;

/**
 * One topic a gate consumes: which of its events the gate acts on, what proof they must carry,
 * and the gate's decision, which returns what the gate emits. The pipeline does the rest.
 */
export interface GateRoute<K extends TopicKey = TopicKey> {
  topic: K;
  /** The events of the topic this gate acts on; the others are not its business and pass by. */
  wants?: (envelope: Envelope<K>) => boolean;
  /**
   * Whose event attestation the gate requires; defaults to the topic's `attestedBy`. A function
   * names it per event: an outcome, for one, must be attested by the gate it says decided it.
   */
  attestedBy?: readonly GateName[] | ((envelope: Envelope<K>) => readonly GateName[]);
  /** How far the proposal must have come, by the attestations it carries (ADR 0002). */
  proofStage?: ProofStage;
  /** Decide and persist; return what to emit. Throw only to report a failure (ADR 0006). */
  handle: (envelope: Envelope<K>, message: RawKafkaMessage) => Promise<readonly Emission[]>;
  /**
   * Runs once what `handle` returned is on Kafka, for every event of the window the gate decided
   * on (in offset order, one call per window, so a store can record them in one statement), e.g.
   * so the executor records that it announced a result and a redelivery announces nothing twice.
   * A failure here is logged, not retried: the worst it causes is the same event, with the same
   * id, sent again.
   */
  afterPublished?: (envelopes: readonly Envelope<K>[]) => Promise<void>;
  /** What to say, besides the dead letter, about a message that cannot be decoded at all. */
  answerUndecodable?: (refused: RefusedEvent) => readonly Emission[];
}

/** Keeps each route's own topic type while routes of several topics share one list. */
export function gateRoute<K extends TopicKey>(route: GateRoute<K>): GateRoute {
  return route as unknown as GateRoute;
}

export interface GatePipelineOptions {
  gate: GateName;
  routes: readonly GateRoute[];
  publisher: EventPublisher;
  keyring: ServiceKeyring;
  logger: ConsumerLogger;
  maxMessageBytes?: number;
}

interface HandledMessage {
  outgoing: readonly OutgoingMessage[];
  /** Set only when the gate itself decided: its afterPublished hook then runs for this envelope. */
  decided?: Envelope<TopicKey>;
}

/**
 * A batch is handled in windows of this many messages, their runs side by side, and each window's
 * events go out in one request: many events per send, while the first of a large batch does not
 * wait for the last.
 */
const windowSize = 32;
/** Runs handled at once within a window; PostgreSQL pools hold 5 connections per service. */
const runsAtOnce = 8;

/**
 * The steps every gate runs, written once (ADR 0006): decode → verify the earlier gates' proofs →
 * decide → persist → publish → commit. A message retrying cannot fix is dead-lettered with its
 * reason and the batch goes on; a dependency that is away interrupts the batch, so that what was
 * published is committed and the rest waits. A gate is its routes' `handle` functions.
 */
export class GatePipeline implements TopicBatchHandler {
  readonly topics: readonly TopicKey[];
  private readonly routes: Map<TopicKey, GateRoute>;

  constructor(private readonly options: GatePipelineOptions) {
    this.routes = new Map(options.routes.map((route) => [route.topic, route]));
    this.topics = [...this.routes.keys()];
  }

  async handleBatch(topic: TopicKey, messages: readonly RawKafkaMessage[]): Promise<void> {
    const route = this.routes.get(topic);
    if (route === undefined) return;
    for (let start = 0; start < messages.length; start += windowSize) {
      const window = messages.slice(start, start + windowSize);
      const results = await runInOrderPerKey(
        window,
        (message) => message.key ?? '',
        runsAtOnce,
        (message) => this.decide(route, topic, message),
      );
      // Offsets commit as a prefix: everything before the first unfinished message, nothing after.
      const unfinished = results.findIndex((result) => result === undefined || !result.ok);
      const finished = (unfinished === -1 ? results : results.slice(0, unfinished)).map(
        (result) => (result as { value: HandledMessage }).value,
      );
      await this.publish(route, finished, start);
      // The first unfinished message is always one that failed: a run's later messages wait for it.
      if (unfinished !== -1)
        throw interrupted(start + unfinished, (results[unfinished] as { error: unknown }).error);
    }
  }

  /** Sends what the finished messages emitted, in offset order, then runs the afterPublished hook once. */
  private async publish(
    route: GateRoute,
    finished: readonly HandledMessage[],
    alreadyCommittable: number,
  ): Promise<void> {
    try {
      await this.options.publisher.send(finished.flatMap((handled) => handled.outgoing));
    } catch (error) {
      throw interrupted(alreadyCommittable, error);
    }
    const decided = finished.flatMap((handled) => (handled.decided === undefined ? [] : [handled.decided]));
    const hook = route.afterPublished;
    if (hook !== undefined && decided.length > 0) await this.runAfterPublished(() => hook(decided));
  }

  private async runAfterPublished(hook: () => Promise<void>): Promise<void> {
    try {
      await hook();
    } catch (error) {
      this.options.logger.event(
        'warn',
        'could not record that events went out; a redelivery may send them again',
        {
          error: (error as Error).message ?? String(error),
        },
      );
    }
  }

  /** Everything one message leads to, checked and attested; throws only a retriable failure. */
  private async decide(route: GateRoute, topic: TopicKey, message: RawKafkaMessage): Promise<HandledMessage> {
    const parsed = parseEvent(topic, message, this.options.maxMessageBytes ?? defaultMaxMessageBytes);
    if (!parsed.ok) {
      const answers = route.answerUndecodable?.(parsed) ?? [];
      return {
        outgoing: await this.prepareOrDeadLetter(message, [
          this.deadLetter(message, parsed.code, parsed.error),
          ...answers,
        ]),
      };
    }
    const { envelope } = parsed;
    if (route.wants !== undefined && !route.wants(envelope)) return { outgoing: [] };
    const ids = { runId: envelope.runid, proposalId: envelope.proposalid, agentId: envelope.agentid };
    return withConsumerSpan(`${this.options.gate} handle ${topic}`, message.headers, ids, async () => {
      const refusal = await this.checkProof(route, envelope);
      if (refusal !== undefined) {
        return {
          outgoing: await this.prepareOrDeadLetter(message, [
            this.deadLetter(message, refusal.code, refusal.reason),
          ]),
        };
      }
      try {
        return {
          outgoing: await this.options.publisher.prepare(await route.handle(envelope, message)),
          decided: envelope,
        };
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.retriable) throw failure;
        return {
          outgoing: await this.prepareOrDeadLetter(message, [
            this.deadLetter(message, failure.code, failure.message),
          ]),
        };
      }
    });
  }

  /** A dead letter is built from bounded, sanitised fields, so preparing it cannot fail for the input's sake. */
  private prepareOrDeadLetter(
    message: RawKafkaMessage,
    emissions: readonly Emission[],
  ): Promise<OutgoingMessage[]> {
    return this.options.publisher.prepare(emissions).catch((error: unknown) => {
      const failure = classifyFailure(error);
      return this.options.publisher.prepare([this.deadLetter(message, failure.code, failure.message)]);
    });
  }

  /** An event forged onto an internal topic is refused here, by the first gate that reads it. */
  private async checkProof(
    route: GateRoute,
    envelope: Envelope<TopicKey>,
  ): Promise<{ code: string; reason: string } | undefined> {
    const attestedBy =
      typeof route.attestedBy === 'function'
        ? route.attestedBy(envelope)
        : (route.attestedBy ?? topics[route.topic].attestedBy);
    if (attestedBy.length > 0) {
      const event = await verifyEventAttestation(envelope, this.options.keyring, attestedBy);
      if (!event.ok) return { code: event.code, reason: `event refused: ${event.reason}` };
    }
    if (route.proofStage !== undefined) {
      const data = envelope.data as unknown as ExecutionProofInput;
      const proof = await checkGateProof(data, this.options.keyring, route.proofStage);
      if (!proof.ok) return { code: proof.code, reason: `proposal refused: ${proof.reason}` };
    }
    return undefined;
  }

  /** Keeps the message, with the reason, where an operator can find it; the consumer moves on. */
  private deadLetter(message: RawKafkaMessage, code: string, error: string): Emission<'dlq'> {
    this.options.logger.event('warn', 'dead-lettered a message', {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      run_id: message.key,
      reason_code: code,
      error: error.slice(0, 1000),
    });
    return {
      topic: 'dlq',
      envelope: deadLetterEnvelope(this.options.gate, message, code, error),
      traceHeaders: currentTraceHeaders(),
    };
  }
}

function interrupted(handled: number, error: unknown): BatchInterruptedError {
  if (error === undefined) {
    return new BatchInterruptedError(
      handled,
      new InfrastructureError('not_handled', 'a message was left undone'),
    );
  }
  if (error instanceof BatchInterruptedError) return error;
  const failure = classifyFailure(error);
  // Only a dependency that is away interrupts a batch; anything else was dead-lettered already,
  // except a publish that Kafka refused outright, which must not be committed as if it went out.
  const retriable =
    failure instanceof InfrastructureError
      ? failure
      : new InfrastructureError(failure.code, failure.message, { cause: failure });
  return new BatchInterruptedError(handled, retriable);
}
