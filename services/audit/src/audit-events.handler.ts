import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { topicName } from '@airlock/messaging';
import { AuditRecorder } from './audit-recorder';

/** One handler per topic in the topic table (a spec checks none is missing), all recorded alike. */
@Controller()
export class AuditEventsHandler {
  constructor(@Inject(AuditRecorder) private readonly recorder: AuditRecorder) {}

  @EventPattern(topicName('proposals'))
  async onProposal(@Ctx() context: KafkaContext): Promise<void> {
    await this.recorder.record('proposals', context);
  }

  @EventPattern(topicName('accepted'))
  async onAccepted(@Ctx() context: KafkaContext): Promise<void> {
    await this.recorder.record('accepted', context);
  }

  @EventPattern(topicName('policyDecisions'))
  async onPolicyDecision(@Ctx() context: KafkaContext): Promise<void> {
    await this.recorder.record('policyDecisions', context);
  }

  @EventPattern(topicName('approvalDecisions'))
  async onApprovalDecision(@Ctx() context: KafkaContext): Promise<void> {
    await this.recorder.record('approvalDecisions', context);
  }

  @EventPattern(topicName('budgetReservations'))
  async onBudgetReservation(@Ctx() context: KafkaContext): Promise<void> {
    await this.recorder.record('budgetReservations', context);
  }

  @EventPattern(topicName('actionsExecuted'))
  async onActionExecuted(@Ctx() context: KafkaContext): Promise<void> {
    await this.recorder.record('actionsExecuted', context);
  }

  @EventPattern(topicName('outcomes'))
  async onOutcome(@Ctx() context: KafkaContext): Promise<void> {
    await this.recorder.record('outcomes', context);
  }

  @EventPattern(topicName('dlq'))
  async onDeadLetter(@Ctx() context: KafkaContext): Promise<void> {
    await this.recorder.record('dlq', context);
  }
}
