import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JsonLogger } from '@airlock/service-runtime';
import { ApprovalDesk } from './approval-desk';

export const APPROVAL_SWEEP_MS = Symbol('APPROVAL_SWEEP_MS');

/**
 * The outbox loop: closes requests a halt now covers, expires requests nobody answered in time and
 * re-sends decisions whose events did not go out. Started after the publisher connected; a failed sweep is logged and the next
 * one tries again.
 */
@Injectable()
export class ApprovalSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    @Inject(APPROVAL_SWEEP_MS) private readonly intervalMs: number,
    @Inject(ApprovalDesk) private readonly desk: ApprovalDesk,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async sweep(): Promise<void> {
    // A slow sweep must not overlap the next tick and publish the same rows twice at once.
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = new Date();
      await this.desk.closeHaltedRequests();
      await this.desk.expireOverdue(now);
      await this.desk.publishUnannounced(now);
    } catch (error) {
      this.logger.event('error', 'approval sweep failed; retrying on the next tick', {
        error: (error as Error).message ?? String(error),
      });
    } finally {
      this.sweeping = false;
    }
  }
}
