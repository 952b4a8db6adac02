import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ensureTopics, kafkaTransportOptions } from '@airlock/messaging';
import { startTelemetry, stopTelemetry } from '@airlock/telemetry';
import { JsonLogger } from './json-logger';

export interface ServiceDefinition {
  service: string;
  brokers: string[];
  logger: JsonLogger;
  /** The service's root module, built from its validated configuration. */
  module: unknown;
  /** When set, the service also serves HTTP on this port (127.0.0.1 only). */
  httpPort?: number;
}

type RunningApp = INestApplication | INestMicroservice;

async function createApp(definition: ServiceDefinition): Promise<RunningApp> {
  const transport = kafkaTransportOptions({ brokers: definition.brokers, service: definition.service });
  const moduleClass = definition.module as Parameters<typeof NestFactory.create>[0];
  if (definition.httpPort === undefined) {
    const app = await NestFactory.createMicroservice(moduleClass, {
      ...transport,
      logger: definition.logger,
    });
    app.enableShutdownHooks();
    await app.listen();
    return app;
  }
  const app = await NestFactory.create(moduleClass, { logger: definition.logger });
  app.connectMicroservice(transport, { inheritAppConfig: true });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(definition.httpPort, '127.0.0.1');
  return app;
}

/**
 * Starts one Airlock service: telemetry first (so every span is captured), then the topics it
 * needs, then the Nest app with its Kafka consumer group. Logs one `service ready` line that
 * scripts and tests wait for.
 */
export async function runService(definition: ServiceDefinition): Promise<RunningApp> {
  startTelemetry(`airlock-${definition.service}`);
  await ensureTopics(definition.brokers, definition.service);
  const app = await createApp(definition);
  definition.logger.event('info', 'service ready', {
    ...(definition.httpPort === undefined ? {} : { http: `http://127.0.0.1:${definition.httpPort}` }),
  });
  process.once('beforeExit', () => void stopTelemetry());
  return app;
}

/** Entry points call this: a service that cannot start says why and exits non-zero. */
export function startOrExit(service: string, start: (logger: JsonLogger) => Promise<unknown>): void {
  const logger = new JsonLogger(service);
  start(logger).catch((error: unknown) => {
    logger.event('error', `${service} could not start: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  });
}
