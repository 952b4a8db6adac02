import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import type { ServiceKeyring, SigningKey } from '@airlock/attestation';
import type { GateName } from '@airlock/contracts';
import { EventPublisher } from './event-publisher';
import { GatePipeline, type GateRoute } from './gate-pipeline';
import type { ConsumerLogger } from './kafka-batch-consumer';

class PublisherLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(EventPublisher) private readonly publisher: EventPublisher) {}
  async onModuleInit(): Promise<void> {
    await this.publisher.connect();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}

/** A gate's decisions, as the routes of the topics it consumes. */
export interface GateRoutes {
  routes(): readonly GateRoute[];
}

export interface GateMessagingOptions {
  gate: GateName;
  brokers: string[];
  namespace: string;
  signingKey: SigningKey;
}

export interface GatePipelineProviderOptions {
  gate: GateName;
  keyring: ServiceKeyring;
  logger: ConsumerLogger;
  /** The provider whose routes make up the gate's pipeline: the gate itself. */
  routes: new (...args: never[]) => GateRoutes;
  maxMessageBytes?: number;
}

/** Gives a gate its attested publisher, connected for its lifetime. */
@Module({})
export class MessagingModule {
  static forGate(options: GateMessagingOptions): DynamicModule {
    const publisher = new EventPublisher(
      { service: options.gate, brokers: options.brokers, namespace: options.namespace },
      { gate: options.gate, signingKey: options.signingKey },
    );
    return {
      module: MessagingModule,
      global: true,
      providers: [{ provide: EventPublisher, useValue: publisher }, PublisherLifecycle],
      exports: [EventPublisher],
    };
  }
}

/**
 * The gate's GatePipeline, declared in the service's module next to the gate whose routes it runs;
 * runService hands it to the consumer.
 */
export function gatePipelineProvider(options: GatePipelineProviderOptions): Provider {
  return {
    provide: GatePipeline,
    useFactory: (gate: GateRoutes, publisher: EventPublisher) =>
      new GatePipeline({
        gate: options.gate,
        routes: gate.routes(),
        publisher,
        keyring: options.keyring,
        logger: options.logger,
        maxMessageBytes: options.maxMessageBytes,
      }),
    inject: [options.routes, EventPublisher],
  };
}
