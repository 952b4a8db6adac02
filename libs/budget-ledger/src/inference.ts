import type { PriceTable, UsageReport } from '@airlock/contracts';
import { usdToMicro } from './money';

export type PricedUsage = { ok: true; costMicroUsd: number } | { ok: false; reason: string };

const tokensPerMillion = 1_000_000n;

/**
 * What a usage report cost, in micro-dollars, by the bundle's price table: tokens times the price
 * per million, in integers (BigInt: a billion tokens at a million dollars per million overflows a
 * double's exact range), rounded up so that many small reports never add up to less than was spent.
 */
export function priceUsage(
  prices: PriceTable,
  report: Pick<UsageReport, 'model' | 'input_tokens' | 'output_tokens'>,
): PricedUsage {
  const price = Object.prototype.hasOwnProperty.call(prices.models, report.model)
    ? prices.models[report.model]
    : undefined;
  if (price === undefined) return { ok: false, reason: `model ${report.model} has no price in prices.json` };
  const microPerMillion =
    BigInt(report.input_tokens) * BigInt(usdToMicro(price.input_usd_per_million_tokens)) +
    BigInt(report.output_tokens) * BigInt(usdToMicro(price.output_usd_per_million_tokens));
  const cost = (microPerMillion + tokensPerMillion - 1n) / tokensPerMillion;
  return { ok: true, costMicroUsd: Number(cost) };
}
