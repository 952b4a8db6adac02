import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  NotFoundException,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { EntityChange, HaltScope, PolicyEntity } from '@airlock/contracts';
import type { Operator } from '@airlock/approval-rules';
import { scopeProblem } from '@airlock/halts';
import { CurrentAccount, OperatorGuard } from '@airlock/service-runtime';
import { strictValidation } from './approval-requests.dto';
import { KillSwitch, type HaltView } from './kill-switch';
import {
  ControlChangeBody,
  EntityRemovalBody,
  EntitySetBody,
  ResolutionBody,
  UnknownOutcomesQuery,
} from './operator.dto';
import { UnknownOutcomes } from './unknown-outcomes';
import { EntityChangeRefused, PolicyEntities } from './policy-entities';

/**
 * The operators' HTTP API: halt and resume a run, an agent, a tool, a team or everything; set and
 * remove the policy entities policies read over the bundle's.
 */
@Controller('operator')
@UseGuards(OperatorGuard)
export class OperatorController {
  constructor(
    @Inject(KillSwitch) private readonly killSwitch: KillSwitch,
    @Inject(PolicyEntities) private readonly entities: PolicyEntities,
    @Inject(UnknownOutcomes) private readonly unknowns: UnknownOutcomes,
  ) {}

  @Get('unknown-outcomes')
  async unknownOutcomes(@Query(strictValidation) query: UnknownOutcomesQuery) {
    return { unknown_outcomes: await this.unknowns.list(query.status) };
  }

  /**
   * 201 with the resolution, published; 409 when someone resolved it first (their answer stands),
   * 404 when no outcome of that proposal was unknown.
   */
  @Post('unknown-outcomes/:proposalId/resolution')
  async resolveUnknown(
    @CurrentAccount() operator: Operator,
    @Param('proposalId') proposalId: string,
    @Body(strictValidation) body: ResolutionBody,
  ) {
    const answer = await this.unknowns.resolve(proposalId, { ...body, resolved_by: operator.id });
    if (answer === undefined) {
      throw new NotFoundException({
        error: 'not_found',
        message: `no unknown outcome for proposal ${proposalId}`,
      });
    }
    if ('already' in answer) {
      const { happened, resolved_by: by } = answer.already;
      const message = `the outcome of ${proposalId} was already resolved as ${happened ?? ''} by ${by ?? ''}`;
      throw new ConflictException({ error: 'already_resolved', message });
    }
    return answer.resolved;
  }

  @Get('halts')
  list(): { halts: HaltView[] } {
    return { halts: this.killSwitch.list() };
  }

  /** 202: the halt is on airlock.control; each gate obeys it as soon as it has read it. */
  @Post('halts')
  @HttpCode(202)
  halt(@CurrentAccount() operator: Operator, @Body(strictValidation) body: ControlChangeBody) {
    return this.change(operator, body, 'halted');
  }

  @Post('resumes')
  @HttpCode(202)
  resume(@CurrentAccount() operator: Operator, @Body(strictValidation) body: ControlChangeBody) {
    return this.change(operator, body, 'resumed');
  }

  private change(operator: Operator, body: ControlChangeBody, state: 'halted' | 'resumed') {
    const scope: HaltScope = body.id === undefined ? { kind: body.kind } : { kind: body.kind, id: body.id };
    const problem = scopeProblem(scope);
    if (problem !== undefined) throw new BadRequestException({ error: 'invalid_request', message: problem });
    if (this.killSwitch.isClosedRun(scope)) {
      const message = `run ${scope.id} was closed by its launcher; a closed run stays closed`;
      throw new ConflictException({ error: 'run_closed', message });
    }
    return this.killSwitch.change(scope, state, operator.id, body.reason);
  }

  @Get('entities')
  listEntities() {
    return this.entities.current();
  }

  @Get('entities/:type/:id')
  async entityHistory(@Param('type') type: string, @Param('id') id: string) {
    return { changes: await this.entities.history({ type, id }) };
  }

  /** 202: the change is on airlock.entities; the policy gate reads it as soon as it has it. */
  @Put('entities/:type/:id')
  @HttpCode(202)
  setEntity(
    @CurrentAccount() operator: Operator,
    @Param('type') type: string,
    @Param('id') id: string,
    @Body(strictValidation) body: EntitySetBody,
  ) {
    const entity = {
      uid: { type, id },
      ...(body.attrs === undefined ? {} : { attrs: body.attrs }),
      ...(body.parents === undefined ? {} : { parents: body.parents }),
    } as PolicyEntity;
    return this.changeEntity({
      uid: { type, id },
      state: 'set',
      entity,
      operator_id: operator.id,
      reason: body.reason,
    });
  }

  @Delete('entities/:type/:id')
  @HttpCode(202)
  removeEntity(
    @CurrentAccount() operator: Operator,
    @Param('type') type: string,
    @Param('id') id: string,
    @Body(strictValidation) body: EntityRemovalBody,
  ) {
    return this.changeEntity({
      uid: { type, id },
      state: 'removed',
      operator_id: operator.id,
      reason: body.reason,
    });
  }

  private async changeEntity(request: Omit<EntityChange, 'version' | 'changed_at'>) {
    try {
      return await this.entities.change(request);
    } catch (error) {
      if (!(error instanceof EntityChangeRefused)) throw error;
      throw new BadRequestException({ error: 'invalid_entity', message: error.message });
    }
  }
}
