import {
  createParamDecorator,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { authenticateApprover, authenticateOperator } from '@airlock/approval-rules';
import { Bundle } from '@airlock/bundle';
import type { TokenAccount } from '@airlock/contracts';

/** The token of an `Authorization: Bearer <token>` header, if that is what was sent. */
export function bearerTokenOf(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  account?: TokenAccount;
}

/** A route for people of one role in approvers.json, each with a bearer token of that role. */
abstract class TokenGuard implements CanActivate {
  protected abstract readonly role: 'approver' | 'operator';

  constructor(@Inject(Bundle) private readonly bundle: Bundle) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request.headers['authorization']);
    const authenticate = this.role === 'operator' ? authenticateOperator : authenticateApprover;
    const account = authenticate(token, this.bundle.approvers);
    if (account) {
      request.account = account;
      return true;
    }
    if (this.role === 'operator' && authenticateApprover(token, this.bundle.approvers)) {
      throw new ForbiddenException({
        error: 'forbidden',
        message:
          'approvers may not use the operator API; use the token of an operator listed in approvers.json',
      });
    }
    throw new UnauthorizedException({
      error: 'unauthorized',
      message: `send Authorization: Bearer <token> with the token of a registered ${this.role}`,
    });
  }
}

/** Every approval route needs a registered approver's bearer token. */
@Injectable()
export class ApproverGuard extends TokenGuard {
  protected readonly role = 'approver';
}

/**
 * Every operator route (the kill switch on approval, budget standings on budget) needs a registered
 * operator's bearer token; an approver's is not enough.
 */
@Injectable()
export class OperatorGuard extends TokenGuard {
  protected readonly role = 'operator';
}

/** The approver or operator the route's guard authenticated. */
export const CurrentAccount = createParamDecorator(
  (_data: unknown, context: ExecutionContext): TokenAccount => {
    const account = context.switchToHttp().getRequest<AuthenticatedRequest>().account;
    if (!account)
      throw new UnauthorizedException({ error: 'unauthorized', message: 'no authenticated account' });
    return account;
  },
);
