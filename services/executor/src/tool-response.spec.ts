import fc from 'fast-check';
import { canonicalJson } from '@airlock/attestation';
import { checkJsonHygiene, envelopeJsonLimits } from '@airlock/contracts';
import { interpretToolResponse } from './tool-response';

/** Bodies a hostile or broken tool could send: any bytes, JSON of any shape, deep nesting. */
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.jsonValue({ maxDepth: 5 }).map((value) => new TextEncoder().encode(JSON.stringify(value))),
  fc
    .string({ unit: 'binary', maxLength: 200 })
    .map((text) => new TextEncoder().encode(JSON.stringify({ text }))),
  fc
    .integer({ min: 1, max: 3000 })
    .map((depth) => new TextEncoder().encode(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.constant(new TextEncoder().encode('{"a": 1e400, "b": "\\ud800\\u0000"}')),
);

describe('interpretToolResponse on arbitrary bodies', () => {
  it('always yields what an executed-action event can carry: hashable, and within every decode limit', () => {
    const runs = Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 300);
    fc.assert(
      fc.property(bodies, fc.boolean(), (bytes, truncated) => {
        const response = interpretToolResponse(bytes, truncated);
        expect(() => canonicalJson({ response })).not.toThrow();
        // Carried two levels down in the event's data, as the executor publishes it.
        expect(checkJsonHygiene({ data: { response } }, envelopeJsonLimits)).toEqual({ ok: true });
      }),
      { numRuns: runs },
    );
  });
});
