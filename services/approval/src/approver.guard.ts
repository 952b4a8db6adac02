import {
  createParamDecorator,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { authenticateApprover, type Approver } from '@airlock/approval-rules';
import { Bundle } from '@airlock/bundle';
import { bearerTokenOf } from '@airlock/service-runtime';

interface ApproverRequest {
  headers: Record<string, string | string[] | undefined>;
  approver?: Approver;
}

/** Every approval route needs a registered approver's bearer token. */
@Injectable()
export class ApproverGuard implements CanActivate {
  constructor(@Inject(Bundle) private readonly bundle: Bundle) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ApproverRequest>();
    const approver = authenticateApprover(
      bearerTokenOf(request.headers['authorization']),
      this.bundle.approvers,
    );
    if (!approver) {
      throw new UnauthorizedException({
        error: 'unauthorized',
        message: 'send Authorization: Bearer <token> with the token of a registered approver',
      });
    }
    request.approver = approver;
    return true;
  }
}

/** The approver ApproverGuard authenticated for this request. */
export const CurrentApprover = createParamDecorator((_data: unknown, context: ExecutionContext): Approver => {
  const approver = context.switchToHttp().getRequest<ApproverRequest>().approver;
  if (!approver)
    throw new UnauthorizedException({ error: 'unauthorized', message: 'no authenticated approver' });
  return approver;
});
