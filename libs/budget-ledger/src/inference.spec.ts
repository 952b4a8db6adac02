import { priceUsage } from './inference';

const prices = {
  models: {
    'gpt-small': { input_usd_per_million_tokens: 0.15, output_usd_per_million_tokens: 0.6 },
    'big-model': { input_usd_per_million_tokens: 1_000_000, output_usd_per_million_tokens: 1_000_000 },
  },
};

describe('priceUsage', () => {
  it('prices tokens by the million, exactly, in micro-dollars', () => {
    // 1,000,000 × $0.15/M + 500,000 × $0.60/M = $0.15 + $0.30
    expect(
      priceUsage(prices, { model: 'gpt-small', input_tokens: 1_000_000, output_tokens: 500_000 }),
    ).toEqual({
      ok: true,
      costMicroUsd: 450_000,
    });
  });

  it('rounds a fraction of a micro-dollar up, so small reports never add up to less than was spent', () => {
    expect(priceUsage(prices, { model: 'gpt-small', input_tokens: 1, output_tokens: 0 })).toEqual({
      ok: true,
      costMicroUsd: 1,
    });
    expect(priceUsage(prices, { model: 'gpt-small', input_tokens: 0, output_tokens: 0 })).toEqual({
      ok: true,
      costMicroUsd: 0,
    });
  });

  it('stays exact where doubles would not', () => {
    const priced = priceUsage(prices, { model: 'big-model', input_tokens: 1_000_000_000, output_tokens: 0 });
    expect(priced).toEqual({ ok: true, costMicroUsd: 1_000_000_000 * 1_000_000 });
  });

  it('refuses a model the table does not price, including inherited names', () => {
    expect(priceUsage(prices, { model: 'unknown', input_tokens: 1, output_tokens: 1 })).toMatchObject({
      ok: false,
    });
    expect(priceUsage(prices, { model: 'constructor', input_tokens: 1, output_tokens: 1 })).toMatchObject({
      ok: false,
    });
  });
});
