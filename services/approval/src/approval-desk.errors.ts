import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AirlockError } from '@airlock/contracts';
import type { ApprovalStatus } from './approval-requests.store';

/** Why the desk refuses an approver's request; the HTTP status follows from the code, in one place. */
export type ApprovalDeskErrorCode =
  'not_found' | 'not_pending' | 'forbidden' | 'halted' | 'not_for_run' | 'already_approved';

export const statusOf: Record<ApprovalDeskErrorCode, HttpStatus> = {
  not_found: HttpStatus.NOT_FOUND,
  not_pending: HttpStatus.CONFLICT,
  forbidden: HttpStatus.FORBIDDEN,
  halted: HttpStatus.CONFLICT,
  not_for_run: HttpStatus.BAD_REQUEST,
  already_approved: HttpStatus.CONFLICT,
};

/**
 * A refusal of the approval desk, thrown by the application service without knowing about HTTP;
 * ApprovalDeskErrorFilter turns it into the answer. Retrying the same request cannot help.
 */
export class ApprovalDeskError extends AirlockError {
  readonly retriable = false;

  constructor(
    readonly code: ApprovalDeskErrorCode,
    message: string,
    /** The request's current status, for a `not_pending` refusal: the approver learns who won. */
    readonly status?: ApprovalStatus,
  ) {
    super(message);
  }
}

@Catch(ApprovalDeskError)
export class ApprovalDeskErrorFilter implements ExceptionFilter<ApprovalDeskError> {
  catch(error: ApprovalDeskError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<{
      status(code: number): { json(body: unknown): void };
    }>();
    response.status(statusOf[error.code]).json({
      error: error.code,
      message: error.message,
      ...(error.status === undefined ? {} : { status: error.status }),
    });
  }
}
