import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { approvalStatuses, type ApprovalStatus } from './approval-requests.store';

const listableStatuses = [...approvalStatuses, 'all'] as const;

export class ListApprovalsQuery {
  @IsOptional()
  @IsIn(listableStatuses, { message: `status must be one of ${listableStatuses.join(', ')}` })
  status: ApprovalStatus | 'all' = 'pending';
}

/** The longest comment on an answer: the approval event's schema holds no more. */
export const maxCommentLength = 2000;

export class ApprovalAnswerBody {
  @IsOptional()
  @IsString({ message: 'comment must be a string' })
  @MaxLength(maxCommentLength, { message: `comment must be at most ${maxCommentLength} characters` })
  comment?: string;

  /** Approve the rest of the run too, as far as the policy's @approval_for_run allows. */
  @IsOptional()
  @IsBoolean({ message: 'for_rest_of_run must be true or false' })
  for_rest_of_run?: boolean;
}

function messagesOf(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => Object.values(error.constraints ?? {}));
}

/** Unknown fields are refused rather than dropped, so a typo ("coment") is not silently ignored. */
export const strictValidation = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) =>
    new BadRequestException({ error: 'invalid_request', message: messagesOf(errors).join('; ') }),
});
