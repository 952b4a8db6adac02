import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Approver } from '@airlock/approval-rules';
import { ApproverGuard, CurrentAccount } from '@airlock/service-runtime';
import { ApprovalDesk, type ApproverVerdict } from './approval-desk';
import { ApprovalDeskErrorFilter } from './approval-desk.errors';
import { ApprovalAnswerBody, ListApprovalsQuery, strictValidation } from './approval-requests.dto';
import type { ApprovalStatus } from './approval-requests.store';
import { ApprovalPreviews } from './approval-previews';
import type { ApprovalDetail, ApprovalView } from './approval-view';

type AnswerResult = { proposal_id: string; status: ApprovalStatus };

/** The approvers' HTTP API; the rules live in ApprovalDesk. */
@Controller('approvals')
@UseGuards(ApproverGuard)
@UseFilters(ApprovalDeskErrorFilter)
export class ApprovalsController {
  constructor(
    @Inject(ApprovalDesk) private readonly desk: ApprovalDesk,
    @Inject(ApprovalPreviews) private readonly previews: ApprovalPreviews,
  ) {}

  @Get()
  async list(@Query(strictValidation) query: ListApprovalsQuery): Promise<{ approvals: ApprovalView[] }> {
    return { approvals: await this.desk.list(query.status) };
  }

  /** The request, with what the call would change where its tool declares a preview (ADR 0017). */
  @Get(':proposalId')
  async show(@Param('proposalId') proposalId: string): Promise<ApprovalDetail> {
    const view = await this.desk.show(proposalId);
    return { ...view, preview: await this.previews.shown(view) };
  }

  @Post(':proposalId/approve')
  @HttpCode(200)
  async approve(
    @Param('proposalId') proposalId: string,
    @CurrentAccount() approver: Approver,
    @Body(strictValidation) body: ApprovalAnswerBody,
  ): Promise<AnswerResult> {
    return this.answer(proposalId, approver, 'approved', body);
  }

  @Post(':proposalId/deny')
  @HttpCode(200)
  async deny(
    @Param('proposalId') proposalId: string,
    @CurrentAccount() approver: Approver,
    @Body(strictValidation) body: ApprovalAnswerBody,
  ): Promise<AnswerResult> {
    return this.answer(proposalId, approver, 'denied', body);
  }

  private answer(
    proposalId: string,
    approver: Approver,
    verdict: ApproverVerdict,
    body: ApprovalAnswerBody,
  ): Promise<AnswerResult> {
    return this.desk.decide(proposalId, approver, verdict, body.comment, body.for_rest_of_run);
  }
}
