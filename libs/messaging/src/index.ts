export * from './namespaced-names';
export * from './kafka-transport';
export * from './topic-admin';
export * from './event-publisher';
export * from './incoming-event';
export * from './dead-letter';
export * from './inbound-events';
export * from './messaging.module';
