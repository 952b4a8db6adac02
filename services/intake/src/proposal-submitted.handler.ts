import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { type Envelope } from '@airlock/contracts';
import { InboundEvents, topicName } from '@airlock/messaging';
import { IntakeGate } from './intake-gate';

@Controller()
export class ProposalSubmittedHandler {
  constructor(
    @Inject(InboundEvents) private readonly inbound: InboundEvents,
    @Inject(IntakeGate) private readonly gate: IntakeGate,
  ) {}

  @EventPattern(topicName('proposals'))
  async onSubmission(@Ctx() context: KafkaContext): Promise<void> {
    await this.inbound.handle(
      'proposals',
      context,
      (envelope: Envelope<'proposals'>) => this.gate.admit(envelope),
      (refused) => this.gate.rejectUnreadable(refused),
    );
  }
}
