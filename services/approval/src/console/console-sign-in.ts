import { Inject, Injectable } from '@nestjs/common';
import { authenticateApprover, authenticateOperator } from '@airlock/approval-rules';
import { Bundle } from '@airlock/bundle';
import type { ConsoleRole } from './console-sessions.store';

/** Who a sign-in names: an account of approvers.json and the role it signs in with. */
export interface SignedInAccount {
  accountId: string;
  role: ConsoleRole;
}

/**
 * Who is this sign-in request. The token form is the local way; an OIDC sign-in would be another
 * implementation of this, provided under the same class token.
 */
export abstract class ConsoleSignIn {
  abstract identify(form: Record<string, unknown>): SignedInAccount | undefined;
}

/** Signs in with an approver's or operator's token from approvers.json, as the APIs' bearer tokens. */
@Injectable()
export class TokenSignIn extends ConsoleSignIn {
  constructor(@Inject(Bundle) private readonly bundle: Bundle) {
    super();
  }

  identify(form: Record<string, unknown>): SignedInAccount | undefined {
    const token = typeof form['token'] === 'string' ? form['token'] : undefined;
    const approver = authenticateApprover(token, this.bundle.approvers);
    if (approver) return { accountId: approver.id, role: 'approver' };
    const operator = authenticateOperator(token, this.bundle.approvers);
    return operator ? { accountId: operator.id, role: 'operator' } : undefined;
  }
}
