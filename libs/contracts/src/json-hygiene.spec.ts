import { checkJsonHygiene, envelopeJsonLimits, proposalJsonLimits, type JsonLimits } from './json-hygiene';

const small: JsonLimits = {
  maxDepth: 3,
  maxStringLength: 5,
  maxArrayLength: 3,
  maxKeysPerObject: 2,
  maxValues: 6,
};

/** `depth` arrays nested in one another around a 0, built without recursion. */
function nestedArrays(depth: number): unknown {
  let value: unknown = 0;
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

function proposalWith(argumentsValue: unknown): unknown {
  return {
    proposal_id: 'p-1',
    run_id: 'run-1',
    agent_id: 'agent-1',
    tool: 'send_email',
    arguments: argumentsValue,
    issued_at: '2024-05-01T12:00:00Z',
  };
}

describe('checkJsonHygiene', () => {
  it('accepts an ordinary proposal, scalars and empty containers', () => {
    expect(
      checkJsonHygiene(proposalWith({ to: 'a@b.c', body: 'hi', cc: [], n: -1.5e10 }), proposalJsonLimits),
    ).toEqual({
      ok: true,
    });
    for (const value of [null, true, 0, '', {}, []])
      expect(checkJsonHygiene(value, small)).toEqual({ ok: true });
  });

  it('accepts well-formed Unicode that is merely unusual: pairs, U+FFFE, U+FFFF, U+FEFF, U+2028', () => {
    const text = '😀\uFFFE\uFFFF\uFEFF\u2028';
    expect(checkJsonHygiene({ [text]: text }, proposalJsonLimits)).toEqual({ ok: true });
  });

  describe('lone_surrogate', () => {
    it.each([
      ['a high surrogate at the end', 'abc\uD83D'],
      ['a low surrogate at the start', '\uDE00abc'],
      ['a high surrogate followed by a plain letter', '\uD83Dx'],
      ['two high surrogates', '\uD83D\uD83D'],
    ])('refuses %s, naming the path', (_label, text) => {
      expect(checkJsonHygiene(proposalWith({ body: text }), proposalJsonLimits)).toEqual({
        ok: false,
        code: 'lone_surrogate',
        reason: '$.arguments.body is a string holding a lone UTF-16 surrogate',
      });
    });

    it('refuses one in an object key, without repeating the surrogate in the reason', () => {
      const verdict = checkJsonHygiene({ ['k\uD800']: 1 }, proposalJsonLimits);
      expect(verdict).toEqual({
        ok: false,
        code: 'lone_surrogate',
        reason: '$["k\\ud800"] is a key holding a lone UTF-16 surrogate',
      });
    });
  });

  describe('nul_character', () => {
    it('refuses U+0000 in a string', () => {
      expect(checkJsonHygiene(['ok', 'a\u0000b'], proposalJsonLimits)).toEqual({
        ok: false,
        code: 'nul_character',
        reason: '$[1] is a string holding U+0000',
      });
    });

    it('refuses U+0000 in a key, writing it escaped', () => {
      expect(checkJsonHygiene({ a: { ['x\u0000']: 1 } }, proposalJsonLimits)).toEqual({
        ok: false,
        code: 'nul_character',
        reason: '$.a["x\\u0000"] is a key holding U+0000',
      });
    });
  });

  describe('nesting_too_deep', () => {
    it('accepts exactly maxDepth nested containers and refuses one more', () => {
      expect(checkJsonHygiene(nestedArrays(3), small)).toEqual({ ok: true });
      expect(checkJsonHygiene(nestedArrays(4), small)).toEqual({
        ok: false,
        code: 'nesting_too_deep',
        reason: '$[0][0][0] is nested deeper than 3 levels',
      });
    });

    it('counts objects and arrays alike', () => {
      expect(checkJsonHygiene({ a: [{}] }, small)).toEqual({ ok: true });
      expect(checkJsonHygiene({ a: [{ b: [] }] }, small)).toMatchObject({
        ok: false,
        code: 'nesting_too_deep',
      });
    });

    it('answers for a value nested 100,000 deep, from JSON.parse or built in memory, without a stack overflow', () => {
      const depth = 100_000;
      const parsed: unknown = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
      for (const value of [parsed, nestedArrays(depth)]) {
        const verdict = checkJsonHygiene(value, proposalJsonLimits);
        expect(verdict).toMatchObject({ ok: false, code: 'nesting_too_deep' });
      }
    });

    it('lets a proposal at the proposal depth limit through the looser envelope limit', () => {
      // An accepted event wraps the proposal in envelope and data: intake must not accept what the next gate refuses.
      const deepProposal = proposalWith(nestedArrays(proposalJsonLimits.maxDepth - 1));
      expect(checkJsonHygiene(deepProposal, proposalJsonLimits)).toEqual({ ok: true });
      const accepted = { specversion: '1.0', data: { proposal: deepProposal, attestations: ['x'] } };
      expect(checkJsonHygiene(accepted, envelopeJsonLimits)).toEqual({ ok: true });
    });
  });

  describe('number_not_finite', () => {
    it.each([
      ['1e400', '$.n is Infinity, not a finite number'],
      ['-1e400', '$.n is -Infinity, not a finite number'],
    ])('refuses %s, which JSON.parse turns into an infinity', (literal, reason) => {
      const value: unknown = JSON.parse(`{"n":${literal}}`);
      expect(checkJsonHygiene(value, proposalJsonLimits)).toEqual({
        ok: false,
        code: 'number_not_finite',
        reason,
      });
    });

    it('refuses NaN and accepts the largest finite double', () => {
      expect(checkJsonHygiene([NaN], small)).toMatchObject({ ok: false, code: 'number_not_finite' });
      expect(checkJsonHygiene(JSON.parse('[1.7976931348623157e308]'), small)).toEqual({ ok: true });
    });
  });

  describe('string_too_long', () => {
    it('accepts a string of exactly maxStringLength and refuses one more character', () => {
      expect(checkJsonHygiene(['abcde'], small)).toEqual({ ok: true });
      expect(checkJsonHygiene(['abcdef'], small)).toEqual({
        ok: false,
        code: 'string_too_long',
        reason: '$[0] is a string of 6 characters, over the 5-character limit',
      });
    });

    it('applies to keys too', () => {
      expect(checkJsonHygiene({ abcde: 1 }, small)).toEqual({ ok: true });
      expect(checkJsonHygiene({ abcdef: 1 }, small)).toMatchObject({
        ok: false,
        code: 'string_too_long',
        reason: '$.abcdef is a key of 6 characters, over the 5-character limit',
      });
    });

    it('holds the proposal default at 32,768 characters', () => {
      expect(checkJsonHygiene({ body: 'x'.repeat(32_768) }, proposalJsonLimits)).toEqual({ ok: true });
      expect(checkJsonHygiene({ body: 'x'.repeat(32_769) }, proposalJsonLimits)).toMatchObject({
        code: 'string_too_long',
      });
    });
  });

  describe('array_too_long', () => {
    it('accepts exactly maxArrayLength items and refuses one more', () => {
      expect(checkJsonHygiene({ a: [1, 2, 3] }, small)).toEqual({ ok: true });
      expect(checkJsonHygiene({ a: [1, 2, 3, 4] }, small)).toEqual({
        ok: false,
        code: 'array_too_long',
        reason: '$.a is an array of 4 items, over the 3-item limit',
      });
    });
  });

  describe('too_many_keys', () => {
    it('accepts exactly maxKeysPerObject keys in one object and refuses one more', () => {
      expect(checkJsonHygiene({ a: 1, b: { c: 1, d: 2 } }, small)).toEqual({ ok: true });
      expect(checkJsonHygiene({ a: 1, b: { c: 1, d: 2, e: 3 } }, small)).toEqual({
        ok: false,
        code: 'too_many_keys',
        reason: '$.b is an object of 3 keys, over the 2-key limit',
      });
    });
  });

  describe('too_many_values', () => {
    it('counts every value, containers included: exactly maxValues passes, one more is refused', () => {
      expect(
        checkJsonHygiene(
          [
            [1, 2],
            [3, 4],
          ],
          { ...small, maxValues: 7 },
        ),
      ).toEqual({ ok: true });
      expect(
        checkJsonHygiene(
          [
            [1, 2],
            [3, 4],
          ],
          { ...small, maxValues: 6 },
        ),
      ).toEqual({
        ok: false,
        code: 'too_many_values',
        reason: '$[1][1] holds more than 6 values in total',
      });
    });

    it('stops a document that stays within every per-container limit but is large overall', () => {
      const wide = Array.from({ length: 1_000 }, () => Array.from({ length: 20 }, () => 0));
      expect(checkJsonHygiene({ rows: wide }, proposalJsonLimits)).toMatchObject({ code: 'too_many_values' });
    });
  });

  it('keeps every proposal limit within the envelope limits, so what intake accepts no later decode refuses', () => {
    // Envelope and data add two levels of nesting and a few dozen values around a proposal.
    expect(proposalJsonLimits.maxDepth + 2).toBeLessThanOrEqual(envelopeJsonLimits.maxDepth);
    expect(proposalJsonLimits.maxValues + 100).toBeLessThanOrEqual(envelopeJsonLimits.maxValues);
    for (const limit of ['maxStringLength', 'maxArrayLength', 'maxKeysPerObject'] as const) {
      expect(proposalJsonLimits[limit]).toBeLessThanOrEqual(envelopeJsonLimits[limit]);
    }
  });

  it('reports the first problem in document order', () => {
    const verdict = checkJsonHygiene({ first: 'a\u0000', second: [Infinity] }, proposalJsonLimits);
    expect(verdict).toMatchObject({ code: 'nul_character', reason: expect.stringMatching(/^\$\.first /) });
  });

  describe('the path in the reason', () => {
    it('quotes keys that are not plain names', () => {
      expect(checkJsonHygiene({ 'odd key': [null, '\u0000'] }, proposalJsonLimits)).toMatchObject({
        reason: '$["odd key"][1] is a string holding U+0000',
      });
    });

    it('keeps the root and the last steps of a deep path, under 200 characters', () => {
      const deep = nestedArrays(100);
      const verdict = checkJsonHygiene(deep, { ...proposalJsonLimits, maxDepth: 90 });
      expect(verdict).toMatchObject({ ok: false, code: 'nesting_too_deep' });
      const path = (verdict as { reason: string }).reason.split(' ')[0];
      expect(path.startsWith('$…[0]')).toBe(true);
      expect(path.length).toBeLessThanOrEqual(200);
    });

    it('shortens a long key without splitting a surrogate pair', () => {
      const key = `${'a'.repeat(36)}😀${'b'.repeat(100)}`;
      const verdict = checkJsonHygiene({ [key]: '\u0000' }, proposalJsonLimits);
      const reason = (verdict as { reason: string }).reason;
      expect(reason).toBe(`$["${'a'.repeat(36)}…"] is a string holding U+0000`);
      expect(reason).not.toMatch(/[\uD800-\uDFFF]/);
    });
  });
});
