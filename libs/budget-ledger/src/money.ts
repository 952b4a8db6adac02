/**
 * Money is kept in integer micro-dollars: summing many fractional dollar amounts as floats drifts
 * (0.1 + 0.2 !== 0.3), and a cap check must not be off by a rounding error.
 */
const microPerUsd = 1_000_000;

export function usdToMicro(usd: number): number {
  if (!Number.isFinite(usd)) throw new RangeError(`${usd} is not a dollar amount`);
  const micro = Math.round(usd * microPerUsd);
  // Beyond 2^53 integers are no longer exact, so the ledger could not add them safely.
  if (!Number.isSafeInteger(micro)) throw new RangeError(`${usd} USD is too large to account for exactly`);
  return micro;
}

export function microToUsd(micro: number): number {
  return micro / microPerUsd;
}

/** "$0.75", "$12.00", "$0.000125": cents always shown, sub-cent digits only when they exist. */
export function formatUsd(micro: number): string {
  const usd = microToUsd(micro);
  const precise = usd.toFixed(6).replace(/0+$/, '');
  const [, decimals = ''] = precise.split('.');
  return `$${decimals.length <= 2 ? usd.toFixed(2) : precise}`;
}
