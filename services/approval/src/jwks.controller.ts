import { Controller, Get, Inject } from '@nestjs/common';
import { publishedJwks, type Jwks, type ServiceKeyring } from '@airlock/attestation';

export const APPROVAL_KEYRING = Symbol('APPROVAL_KEYRING');

/**
 * The gates' public keys, unauthenticated on purpose: a downstream system verifies an executed
 * action (or any Airlock event) with them and `verifyExecutedAction`, without trusting the topic.
 */
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(APPROVAL_KEYRING) private readonly keyring: ServiceKeyring) {}

  @Get('jwks.json')
  jwks(): Jwks {
    return publishedJwks(this.keyring);
  }
}
