import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { InboundEvents, topicName } from '@airlock/messaging';
import { PolicyGate } from './policy-gate';

@Controller()
export class AcceptedProposalHandler {
  constructor(
    @Inject(InboundEvents) private readonly inbound: InboundEvents,
    @Inject(PolicyGate) private readonly gate: PolicyGate,
  ) {}

  @EventPattern(topicName('accepted'))
  async onAccepted(@Ctx() context: KafkaContext): Promise<void> {
    await this.inbound.handle('accepted', context, (envelope, refuse) => this.gate.decide(envelope, refuse));
  }
}
