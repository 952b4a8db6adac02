import 'reflect-metadata';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { topicKeys } from '@airlock/contracts';
import { topicName } from '@airlock/messaging';
import { AuditEventsHandler } from './audit-events.handler';

describe('AuditEventsHandler', () => {
  it('subscribes to every topic of the topic table', () => {
    const prototype = AuditEventsHandler.prototype as unknown as Record<string, unknown>;
    const subscribed = Object.getOwnPropertyNames(prototype).flatMap(
      (method) =>
        (Reflect.getMetadata(PATTERN_METADATA, prototype[method] as object) as string[] | undefined) ?? [],
    );
    expect(subscribed.sort()).toEqual(topicKeys.map((key) => topicName(key)).sort());
  });
});
