import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { microToUsd, standingKeys, standingOf, type LimitStanding } from '@airlock/budget-ledger';
import { Bundle } from '@airlock/bundle';
import type { BudgetLimits, Limit } from '@airlock/contracts';
import { OperatorGuard } from '@airlock/service-runtime';
import { ReservationStore } from './reservation-store';

interface Standing {
  scope: Limit['scope'];
  id: string;
  /**
   * The run's own caps (runs only), as its launcher tightened them, and its usage: calls and tool
   * spend reserved or spent, inference reported.
   */
  per_run?: BudgetLimits['per_run'] & { calls: number; spend_usd: number; inference_usd: number };
  limits: LimitStanding[];
}

/**
 * What is left of each budget, for operators: a run's own caps and every limit of its scope, in
 * the windows current now. Usage counts reservations not yet released, so it never understates.
 */
@Controller('budget')
@UseGuards(OperatorGuard)
export class BudgetStandingController {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(ReservationStore) private readonly store: ReservationStore,
  ) {}

  @Get('runs/:id')
  async run(@Param('id') id: string): Promise<Standing> {
    const usage = await this.store.runUsage(id);
    return {
      ...(await this.standing('run', id)),
      per_run: {
        ...(usage.caps ?? this.bundle.budgets.per_run),
        calls: usage.calls,
        spend_usd: microToUsd(usage.spend_micro_usd),
        inference_usd: microToUsd(usage.inference_micro_usd),
      },
    };
  }

  @Get('agents/:id')
  agent(@Param('id') id: string): Promise<Standing> {
    return this.standing('agent', id);
  }

  @Get('teams/:id')
  team(@Param('id') id: string): Promise<Standing> {
    return this.standing('team', id);
  }

  @Get('global')
  everyone(): Promise<Standing> {
    return this.standing('global', '*');
  }

  private async standing(scope: Limit['scope'], id: string): Promise<Standing> {
    const limits = this.bundle.budgets.limits ?? [];
    const now = new Date();
    const used = await this.store.usageOf(standingKeys(limits, scope, id, now));
    return { scope, id, limits: standingOf(limits, scope, id, used, now) };
  }
}
