import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ServiceKeyring } from '@airlock/attestation';
import type { ControlChange } from '@airlock/contracts';
import type { HaltBoard } from '@airlock/halts';
import {
  ControlFeed,
  ensureTopics,
  KafkaBatchConsumer,
  type KafkaConnection,
  type TopicBatchHandler,
} from '@airlock/messaging';
import { startTelemetry, stopTelemetry } from '@airlock/telemetry';
import { serveHealth } from './health-endpoint';
import { flushLogLines, JsonLogger } from './json-logger';
import { brokersOf, namespaceOf, type BaseServiceConfig } from './service-config';

export interface ServiceDefinition {
  service: string;
  /** The service's validated configuration: brokers, health port and topic layout come from it. */
  config: BaseServiceConfig;
  logger: JsonLogger;
  /** The service's root module, built from its validated configuration. */
  module: unknown;
  /** The provider (in that module) that handles what the service consumes. */
  consumer: Type<TopicBatchHandler>;
  /** When set, the service also serves its HTTP API on this port (127.0.0.1 only). */
  httpPort?: number;
  /**
   * For the gates that act on proposals: the board their routes consult, fed from airlock.control
   * and complete before the first message is consumed (ADR 0009).
   */
  halts?: { board: HaltBoard; keyring: ServiceKeyring; onChange?: (change: ControlChange) => void };
  /**
   * Other state read from compacted topics (a CompactedTopicFeed each) before the first message,
   * and kept current after: the policy gate's entities.
   */
  feeds?: (connection: KafkaConnection) => StateFeed[];
}

interface StateFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function createApp(definition: ServiceDefinition): Promise<INestApplicationContext> {
  const moduleClass = definition.module as Parameters<typeof NestFactory.create>[0];
  if (definition.httpPort === undefined) {
    return NestFactory.createApplicationContext(moduleClass, { logger: definition.logger });
  }
  const app = await NestFactory.create(moduleClass, { logger: definition.logger });
  await app.listen(definition.httpPort, '127.0.0.1');
  return app;
}

/**
 * Starts one Airlock service: telemetry first (so every span is captured), then the topics it
 * needs, the halts in force (for a gate that has them), the Nest application, and the Kafka
 * consumer that feeds its handler. Logs one `service ready` line that scripts and tests wait for.
 * SIGTERM stops consuming first, then closes the application, so no handler runs against a closed
 * publisher or pool.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  const { config } = definition;
  definition.logger.setLevel(config.AIRLOCK_LOG_LEVEL);
  const brokers = brokersOf(config);
  const healthPort = config.AIRLOCK_HEALTH_PORT;
  startTelemetry(`airlock-${definition.service}`);
  const connection = { brokers, service: definition.service, namespace: namespaceOf(config) };
  await ensureTopics(connection, {
    partitions: config.AIRLOCK_TOPIC_PARTITIONS,
    replicationFactor: config.AIRLOCK_TOPIC_REPLICATION,
  });
  const feeds = [
    ...(definition.halts === undefined
      ? []
      : [
          new ControlFeed(
            connection,
            definition.halts.board,
            definition.halts.keyring,
            definition.logger,
            definition.halts.onChange,
          ),
        ]),
    ...(definition.feeds?.(connection) ?? []),
  ];
  await Promise.all(feeds.map((feed) => feed.start()));
  const app = await createApp(definition);
  const consumer = new KafkaBatchConsumer(connection, app.get(definition.consumer), definition.logger);
  await consumer.start();
  const health =
    healthPort === undefined ? undefined : await serveHealth(healthPort, () => consumer.health.report());
  const stop = async (signal: string) => {
    definition.logger.event('info', `stopping on ${signal}`);
    health?.close();
    await consumer.stop();
    await Promise.all(feeds.map((feed) => feed.stop()));
    await app.close();
    await stopTelemetry();
    flushLogLines();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  definition.logger.event('info', 'service ready', {
    ...(definition.httpPort === undefined ? {} : { http: `http://127.0.0.1:${definition.httpPort}` }),
    ...(healthPort === undefined ? {} : { health: `http://127.0.0.1:${healthPort}/healthz` }),
  });
}

/**
 * Entry points call this: a service that cannot start says why and exits non-zero. A service whose
 * stdout is a protocol channel (the MCP gateway over stdio) passes a logger writing elsewhere.
 */
export function startOrExit(
  service: string,
  start: (logger: JsonLogger) => Promise<unknown>,
  logger = new JsonLogger(service),
): void {
  start(logger).catch((error: unknown) => {
    logger.event('error', `${service} could not start: ${(error as Error).message ?? String(error)}`);
    flushLogLines();
    process.exit(1);
  });
}
