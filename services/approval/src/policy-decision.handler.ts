import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { InboundEvents, topicName } from '@airlock/messaging';
import { ApprovalDesk } from './approval-desk';

/** Policy decisions that need a human open an approval request; allow and deny go elsewhere. */
@Controller()
export class PolicyDecisionHandler {
  constructor(
    @Inject(InboundEvents) private readonly inbound: InboundEvents,
    @Inject(ApprovalDesk) private readonly desk: ApprovalDesk,
  ) {}

  @EventPattern(topicName('policyDecisions'))
  async onPolicyDecision(@Ctx() context: KafkaContext): Promise<void> {
    await this.inbound.handle('policyDecisions', context, async (envelope, refuse) => {
      if (envelope.data.decision === 'approval_required') await this.desk.openRequest(envelope, refuse);
    });
  }
}
