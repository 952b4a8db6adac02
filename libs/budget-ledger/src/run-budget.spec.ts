import { decideReservation, effectiveRunLimits, releaseReservation, runLimitsProblem } from './run-budget';

const limits = { max_tool_calls: 3, max_spend_usd: 1 };

describe('decideReservation', () => {
  it('admits the call that brings the run exactly to its call cap', () => {
    const decision = decideReservation(
      { calls: 2, spend_micro_usd: 0, inference_micro_usd: 0 },
      limits,
      0.1,
      'r1',
    );
    expect(decision).toEqual({
      ok: true,
      usage: { calls: 3, spend_micro_usd: 100_000, inference_micro_usd: 0 },
      cost_micro_usd: 100_000,
    });
  });

  it('refuses one call past the call cap, with the numbers in the reason', () => {
    const decision = decideReservation(
      { calls: 3, spend_micro_usd: 0, inference_micro_usd: 0 },
      limits,
      0.1,
      'r1',
    );
    expect(decision).toEqual({
      ok: false,
      code: 'run_call_cap_reached',
      reason: 'run r1 has used 3 of 3 tool calls',
    });
  });

  it('admits a call whose fractional cost lands exactly on the spend cap', () => {
    // In float dollars 0.1 + 0.2 is 0.30000000000000004, which would wrongly exceed a $0.30 cap.
    const decision = decideReservation(
      { calls: 0, spend_micro_usd: 100_000, inference_micro_usd: 0 },
      { ...limits, max_spend_usd: 0.3 },
      0.2,
      'r1',
    );
    expect(decision).toEqual({
      ok: true,
      usage: { calls: 1, spend_micro_usd: 300_000, inference_micro_usd: 0 },
      cost_micro_usd: 200_000,
    });
  });

  it('refuses a call that would pass the spend cap by one micro-dollar', () => {
    const decision = decideReservation(
      { calls: 0, spend_micro_usd: 700_000, inference_micro_usd: 0 },
      limits,
      0.300001,
      'r1',
    );
    expect(decision).toEqual({
      ok: false,
      code: 'run_spend_cap_reached',
      reason: 'run r1 has spent or reserved $0.70 of its $1.00 cap; this call would cost $0.300001',
    });
  });

  it('refuses a call that does not fit entirely even when the run is under the cap', () => {
    const decision = decideReservation(
      { calls: 1, spend_micro_usd: 950_000, inference_micro_usd: 0 },
      limits,
      0.1,
    );
    expect(decision).toMatchObject({
      ok: false,
      code: 'run_spend_cap_reached',
      reason: expect.stringMatching(/^the run has spent/),
    });
  });

  it('admits a free call on a run whose spend is exactly at the cap', () => {
    expect(
      decideReservation({ calls: 0, spend_micro_usd: 1_000_000, inference_micro_usd: 0 }, limits, 0).ok,
    ).toBe(true);
  });

  it('refuses a negative cost, which would otherwise grant budget', () => {
    expect(() =>
      decideReservation({ calls: 0, spend_micro_usd: 0, inference_micro_usd: 0 }, limits, -1),
    ).toThrow(RangeError);
  });

  it('leaves the usage it was given untouched', () => {
    const usage = { calls: 1, spend_micro_usd: 10, inference_micro_usd: 0 };
    decideReservation(usage, limits, 0.5);
    expect(usage).toEqual({ calls: 1, spend_micro_usd: 10, inference_micro_usd: 0 });
  });
});

describe('releaseReservation', () => {
  it('gives back the call and its cost so a later call fits again', () => {
    const reserved = decideReservation(
      { calls: 2, spend_micro_usd: 500_000, inference_micro_usd: 0 },
      limits,
      0.5,
    );
    if (!reserved.ok) throw new Error('expected the reservation to be admitted');
    const released = releaseReservation(reserved.usage, reserved.cost_micro_usd);
    expect(released).toEqual({ calls: 2, spend_micro_usd: 500_000, inference_micro_usd: 0 });
    expect(decideReservation(released, limits, 0.5).ok).toBe(true);
  });

  it('refuses to release more than was reserved, as after a double release', () => {
    expect(() => releaseReservation({ calls: 1, spend_micro_usd: 100, inference_micro_usd: 0 }, 200)).toThrow(
      RangeError,
    );
    expect(() => releaseReservation({ calls: 0, spend_micro_usd: 0, inference_micro_usd: 0 }, 0)).toThrow(
      RangeError,
    );
  });

  it('refuses a non-integer micro-dollar amount', () => {
    expect(() => releaseReservation({ calls: 1, spend_micro_usd: 100, inference_micro_usd: 0 }, 0.5)).toThrow(
      RangeError,
    );
  });
});

describe('run limits a launcher sets', () => {
  const bundle = { max_tool_calls: 10, max_spend_usd: 5, max_inference_usd: 2 };

  it('tightens the bundle, never loosens it', () => {
    expect(effectiveRunLimits(bundle, { max_tool_calls: 3, max_inference_usd: 9 })).toEqual({
      max_tool_calls: 3,
      max_spend_usd: 5,
      max_inference_usd: 2,
    });
    expect(effectiveRunLimits({ max_tool_calls: 10, max_spend_usd: 5 }, { max_inference_usd: 1 })).toEqual({
      max_tool_calls: 10,
      max_spend_usd: 5,
      max_inference_usd: 1,
    });
    expect(effectiveRunLimits(bundle, undefined)).toEqual(bundle);
  });

  it('names the first cap a ticket sets above the bundle', () => {
    expect(runLimitsProblem(bundle, { max_tool_calls: 10, max_spend_usd: 1 })).toBeUndefined();
    expect(runLimitsProblem(bundle, { max_spend_usd: 6 })).toBe(
      'the run ticket sets max_spend_usd to 6; the bundle allows a run at most 5',
    );
  });

  it('refuses calls once the run has reported its inference cap', () => {
    const usage = { calls: 0, spend_micro_usd: 0, inference_micro_usd: 2_000_000 };
    expect(decideReservation(usage, bundle, 0.1, 'r1')).toMatchObject({
      ok: false,
      code: 'run_inference_cap_reached',
    });
    expect(decideReservation({ ...usage, inference_micro_usd: 1_999_999 }, bundle, 0.1, 'r1').ok).toBe(true);
  });
});
