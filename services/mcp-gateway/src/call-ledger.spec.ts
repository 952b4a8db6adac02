import { CallLedger, type ToolCall } from './call-ledger';

const call: ToolCall = {
  agentId: 'a',
  runId: 'run-1',
  tool: 'tickets.create',
  args: { title: 't', priority: 'low' },
};

describe('CallLedger', () => {
  it('gives an unanswered call the same proposal id however its arguments are ordered', () => {
    const ledger = new CallLedger();
    const id = ledger.proposalIdFor(call);
    expect(id).toMatch(/^mcp-[0-9a-f]{64}$/);
    expect(ledger.proposalIdFor({ ...call, args: { priority: 'low', title: 't' } })).toBe(id);
    expect(new CallLedger().proposalIdFor(call)).toBe(id);
  });

  it('gives another run, agent, tool or argument another id', () => {
    const ledger = new CallLedger();
    const ids = [
      call,
      { ...call, runId: 'run-2' },
      { ...call, agentId: 'b' },
      { ...call, tool: 'payments.refund' },
      { ...call, args: { title: 'u', priority: 'low' } },
    ].map((each) => ledger.proposalIdFor(each));
    expect(new Set(ids).size).toBe(5);
  });

  it('makes an identical call after the answer a new proposal, and remembers approval only until then', () => {
    const ledger = new CallLedger();
    const first = ledger.proposalIdFor(call);
    ledger.noteAwaitingApproval(first, ['needs-approval']);
    expect(ledger.approvalAskedBy(first)).toEqual(['needs-approval']);
    ledger.markAnswered(call, first);
    expect(ledger.approvalAskedBy(first)).toBeUndefined();
    const second = ledger.proposalIdFor(call);
    expect(second).not.toBe(first);
    ledger.markAnswered(call, second);
    expect(ledger.proposalIdFor(call)).not.toBe(second);
  });

  it('forgets the oldest calls beyond its capacity', () => {
    const ledger = new CallLedger(1);
    const other = { ...call, tool: 'other' };
    const fresh = ledger.proposalIdFor(call);
    ledger.markAnswered(call, fresh);
    ledger.markAnswered(other, ledger.proposalIdFor(other));
    expect(ledger.proposalIdFor(call)).toBe(fresh);
  });

  it('refuses arguments canonical JSON cannot write', () => {
    expect(() => new CallLedger().proposalIdFor({ ...call, args: { title: '\ud800' } })).toThrow();
  });
});
