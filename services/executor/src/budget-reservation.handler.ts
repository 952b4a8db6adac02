import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { InboundEvents, topicName } from '@airlock/messaging';
import { ExecutorGate } from './executor-gate';

@Controller()
export class BudgetReservationHandler {
  constructor(
    @Inject(InboundEvents) private readonly inbound: InboundEvents,
    @Inject(ExecutorGate) private readonly gate: ExecutorGate,
  ) {}

  @EventPattern(topicName('budgetReservations'))
  async onReservation(@Ctx() context: KafkaContext): Promise<void> {
    await this.inbound.handle('budgetReservations', context, (envelope, refuse) =>
      this.gate.execute(envelope, refuse),
    );
  }
}
