import type { ApproverRegistry } from '@airlock/contracts';
import { authenticateApprover, authenticateOperator, hashApproverToken } from './approver-authentication';

const aliceToken = 'alice-token-0123456789abcdef';
const bobToken = 'bob-token-0123456789abcdef';

const registry: ApproverRegistry = {
  approval_timeout_seconds: 600,
  approvers: [
    { id: 'alice', name: 'Alice', token_sha256: hashApproverToken(aliceToken) },
    { id: 'bob', name: 'Bob', token_sha256: hashApproverToken(bobToken).toUpperCase() },
    { id: 'disabled', name: 'Disabled', token_sha256: '' },
  ],
};

describe('hashApproverToken', () => {
  it('is the sha256 hex of the token', () => {
    expect(hashApproverToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('authenticateApprover', () => {
  it('finds the approver whose token hash matches', () => {
    expect(authenticateApprover(aliceToken, registry)?.id).toBe('alice');
  });

  it('matches a hash written in upper-case hex', () => {
    expect(authenticateApprover(bobToken, registry)?.id).toBe('bob');
  });

  it('refuses a token nobody holds', () => {
    expect(authenticateApprover('someone-else-0123456789', registry)).toBeUndefined();
  });

  it('refuses a missing or empty token, even against an approver whose hash is empty', () => {
    expect(authenticateApprover(undefined, registry)).toBeUndefined();
    expect(authenticateApprover('', registry)).toBeUndefined();
  });

  it('refuses a short token even when its hash is registered', () => {
    const withShort: ApproverRegistry = {
      ...registry,
      approvers: [{ id: 'weak', name: 'Weak', token_sha256: hashApproverToken('1234') }],
    };
    expect(authenticateApprover('1234', withShort)).toBeUndefined();
  });

  it('never matches an approver whose registered hash is malformed', () => {
    const malformed: ApproverRegistry = {
      ...registry,
      approvers: [{ id: 'odd', name: 'Odd', token_sha256: 'not-hex' }],
    };
    expect(authenticateApprover('not-hex-but-long-enough', malformed)).toBeUndefined();
  });
});

describe('authenticateOperator', () => {
  const carolToken = 'carol-token-0123456789abcdef';
  const withOperators: ApproverRegistry = {
    ...registry,
    operators: [{ id: 'carol', name: 'Carol (on call)', token_sha256: hashApproverToken(carolToken) }],
  };

  it("finds the operator by the operator's own token", () => {
    expect(authenticateOperator(carolToken, withOperators)?.id).toBe('carol');
  });

  it("refuses an approver's token: approving is not operating the kill switch", () => {
    expect(authenticateOperator(aliceToken, withOperators)).toBeUndefined();
    expect(authenticateApprover(carolToken, withOperators)).toBeUndefined();
  });

  it('refuses everyone when the registry lists no operators', () => {
    expect(authenticateOperator(aliceToken, registry)).toBeUndefined();
  });
});
