import {
  createParamDecorator,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { authenticateApprover, authenticateOperator, type Operator } from '@airlock/approval-rules';
import { Bundle } from '@airlock/bundle';

/** The token of an `Authorization: Bearer <token>` header, if that is what was sent. */
export function bearerTokenOf(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
  operator?: Operator;
}

/**
 * Every operator route (the kill switch on approval, budget standings on budget) needs a registered
 * operator's bearer token; an approver's is not enough.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(Bundle) private readonly bundle: Bundle) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<OperatorRequest>();
    const token = bearerTokenOf(request.headers['authorization']);
    const operator = authenticateOperator(token, this.bundle.approvers);
    if (operator) {
      request.operator = operator;
      return true;
    }
    if (authenticateApprover(token, this.bundle.approvers)) {
      throw new ForbiddenException({
        error: 'forbidden',
        message: 'approvers may not halt or resume; use the token of an operator listed in approvers.json',
      });
    }
    throw new UnauthorizedException({
      error: 'unauthorized',
      message: 'send Authorization: Bearer <token> with the token of a registered operator',
    });
  }
}

/** The operator OperatorGuard authenticated for this request. */
export const CurrentOperator = createParamDecorator((_data: unknown, context: ExecutionContext): Operator => {
  const operator = context.switchToHttp().getRequest<OperatorRequest>().operator;
  if (!operator)
    throw new UnauthorizedException({ error: 'unauthorized', message: 'no authenticated operator' });
  return operator;
});
