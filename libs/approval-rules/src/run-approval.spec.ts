import { runApprovalKey } from './run-approval';

describe('runApprovalKey', () => {
  const paths = ['$.recipient', '$.payee.iban'];

  it('is the same for equal values at every path, whatever else the call says', () => {
    const first = runApprovalKey(paths, {
      recipient: 'bob',
      payee: { iban: 'DE89', name: 'Bob' },
      amount: 1,
    });
    const later = runApprovalKey(paths, {
      amount: 99,
      payee: { name: 'Robert', iban: 'DE89' },
      recipient: 'bob',
    });
    expect(first).toBeDefined();
    expect(later).toBe(first);
  });

  it('differs when any path holds another value', () => {
    const first = runApprovalKey(paths, { recipient: 'bob', payee: { iban: 'DE89' } });
    expect(runApprovalKey(paths, { recipient: 'eve', payee: { iban: 'DE89' } })).not.toBe(first);
    expect(runApprovalKey(paths, { recipient: 'bob', payee: { iban: 'XX00' } })).not.toBe(first);
    // A number is not its string, and order of set-like arrays is kept: both are other values.
    expect(runApprovalKey(['$.n'], { n: 1 })).not.toBe(runApprovalKey(['$.n'], { n: '1' }));
    expect(runApprovalKey(['$.to'], { to: ['a', 'b'] })).not.toBe(
      runApprovalKey(['$.to'], { to: ['b', 'a'] }),
    );
  });

  it('covers nothing when a path holds nothing', () => {
    expect(runApprovalKey(paths, { recipient: 'bob' })).toBeUndefined();
    expect(runApprovalKey(paths, { recipient: null, payee: { iban: 'DE89' } })).toBeUndefined();
    expect(runApprovalKey(paths, { recipient: 'bob', payee: 'DE89' })).toBeUndefined();
    // An inherited member is not an argument.
    expect(runApprovalKey(['$.constructor'], {})).toBeUndefined();
  });
});
