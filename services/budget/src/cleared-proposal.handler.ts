import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { InboundEvents, topicName } from '@airlock/messaging';
import { BudgetGate } from './budget-gate';

/** Proposals that policy allowed or a human approved come here to reserve budget; outcomes settle it. */
@Controller()
export class ClearedProposalHandler {
  constructor(
    @Inject(InboundEvents) private readonly inbound: InboundEvents,
    @Inject(BudgetGate) private readonly gate: BudgetGate,
  ) {}

  @EventPattern(topicName('policyDecisions'))
  async onPolicyDecision(@Ctx() context: KafkaContext): Promise<void> {
    await this.inbound.handle('policyDecisions', context, async (envelope, refuse) => {
      if (envelope.data.decision === 'allow') await this.gate.reserve(envelope, refuse);
    });
  }

  @EventPattern(topicName('approvalDecisions'))
  async onApprovalDecision(@Ctx() context: KafkaContext): Promise<void> {
    await this.inbound.handle('approvalDecisions', context, async (envelope, refuse) => {
      if (envelope.data.decision === 'approved') await this.gate.reserve(envelope, refuse);
    });
  }

  @EventPattern(topicName('outcomes'))
  async onOutcome(@Ctx() context: KafkaContext): Promise<void> {
    await this.inbound.handle('outcomes', context, (envelope) => this.gate.settle(envelope.data));
  }
}
