import {
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  Inject,
} from '@nestjs/common';
import { EventPublisher } from './event-publisher';
import { InboundEvents, type InboundLogger } from './inbound-events';

export const MESSAGING_LOGGER = Symbol('MESSAGING_LOGGER');

class PublisherLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(EventPublisher) private readonly publisher: EventPublisher) {}
  async onModuleInit(): Promise<void> {
    await this.publisher.connect();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}

/** Gives a service its publisher and inbound event handling, connected for its lifetime. */
@Module({})
export class MessagingModule {
  static forService(options: {
    service: string;
    brokers: string[];
    logger: InboundLogger;
    maxMessageBytes?: number;
  }): DynamicModule {
    const publisher = new EventPublisher({ service: options.service, brokers: options.brokers });
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: EventPublisher, useValue: publisher },
        { provide: MESSAGING_LOGGER, useValue: options.logger },
        {
          provide: InboundEvents,
          useValue: new InboundEvents(options.service, publisher, options.logger, options.maxMessageBytes),
        },
        PublisherLifecycle,
      ],
      exports: [EventPublisher, InboundEvents, MESSAGING_LOGGER],
    };
  }
}
