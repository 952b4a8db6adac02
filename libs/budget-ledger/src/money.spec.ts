import { formatUsd, microToUsd, usdToMicro } from './money';

describe('usdToMicro and microToUsd', () => {
  it('converts fractional dollars to exact integer micro-dollars', () => {
    expect(usdToMicro(0.1)).toBe(100_000);
    expect(usdToMicro(1.005)).toBe(1_005_000);
    expect(usdToMicro(0.000001)).toBe(1);
  });

  it('adds up in micro-dollars without the float drift of dollars', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(microToUsd(usdToMicro(0.1) + usdToMicro(0.2))).toBe(0.3);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, 1e12])('refuses %p', (usd) => {
    expect(() => usdToMicro(usd)).toThrow(RangeError);
  });

  it('formats cents always and sub-cent digits only when present', () => {
    expect(formatUsd(750_000)).toBe('$0.75');
    expect(formatUsd(12_000_000)).toBe('$12.00');
    expect(formatUsd(125)).toBe('$0.000125');
  });
});
