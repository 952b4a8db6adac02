import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  UseGuards,
} from '@nestjs/common';
import type { HaltScope } from '@airlock/contracts';
import type { Operator } from '@airlock/approval-rules';
import { scopeProblem } from '@airlock/halts';
import { CurrentAccount, OperatorGuard } from '@airlock/service-runtime';
import { strictValidation } from './approval-requests.dto';
import { KillSwitch, type HaltView } from './kill-switch';
import { ControlChangeBody } from './operator.dto';

/** The operators' HTTP API: halt and resume a run, an agent, a tool, a team or everything. */
@Controller('operator')
@UseGuards(OperatorGuard)
export class OperatorController {
  constructor(@Inject(KillSwitch) private readonly killSwitch: KillSwitch) {}

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
}
