import fc from 'fast-check';
import {
  buildEnvelope,
  checkJsonHygiene,
  envelopeJsonLimits,
  maxSubmissionBytes,
  reasonCodes,
  topics,
  type TopicKey,
} from '@airlock/contracts';
import { parseEvent, type ParsedEvent, type RawKafkaMessage } from './incoming-event';

/**
 * Runs per property, bounded so the unit suite stays fast; a nightly or bench run raises them all
 * with AIRLOCK_PROPERTY_RUNS=100000.
 */
function propertyRuns(defaultRuns: number): number {
  const configured = Number(process.env.AIRLOCK_PROPERTY_RUNS);
  return Number.isInteger(configured) && configured > 0 ? configured : defaultRuns;
}

const auditMaxBytes = 16 * 1024 * 1024;
const fixedTime = new Date('2024-05-01T12:00:00Z');
const refusalCodes = ['oversized_message', 'malformed_envelope', 'invalid_submission'];
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A reason is published (in an outcome or a dead letter), so it must itself be clean text. */
function expectPublishable(text: string): void {
  expect(text.includes('\u0000')).toBe(false);
  expect(text).not.toMatch(loneSurrogate);
}

function messageOf(value: Buffer | null, key: string | null = 'run-1'): RawKafkaMessage {
  return { topic: 'any.topic', partition: 0, offset: '7', key, value, headers: {} };
}

function executedEnvelope(response: unknown): Record<string, unknown> {
  return buildEnvelope(
    'actionsExecuted',
    'airlock/executor',
    { runId: 'run-1', proposalId: 'p-1', agentId: 'agent-1', dedupKey: 'p-1' },
    {
      proposal_id: 'p-1',
      run_id: 'run-1',
      agent_id: 'agent-1',
      tool: 'tickets.create',
      idempotency_key: 'idem-1',
      status_code: 201,
      response: response as string,
      cost_usd: 0.25,
      bundle_hash: 'a'.repeat(64),
    },
    fixedTime,
  );
}

function submissionEnvelope(jws = 'aGVhZGVy.cGF5bG9hZA.c2ln'): Record<string, unknown> {
  return buildEnvelope('proposals', 'agent/agent-1', { runId: 'run-1' }, { jws }, fixedTime);
}

const bytesOf = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** `depth` containers of one kind nested in one another, as JSON text, built without recursion. */
function nestedText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;
}

/** Puts raw JSON text where the executed action's response goes, so it can hold what JSON.stringify never writes. */
function withResponseText(responseText: string): Buffer {
  const marker = '"__response__"';
  return Buffer.from(JSON.stringify(executedEnvelope('__response__')).replace(marker, responseText));
}

/** What every answer of parseEvent must look like, whatever it was given. */
function expectOneWellFormedAnswer<K extends TopicKey>(
  topic: K,
  raw: RawKafkaMessage,
  parsed: ParsedEvent<K>,
): void {
  expect(parsed.raw).toBe(raw);
  if (parsed.ok) {
    expect(Object.keys(parsed).sort()).toEqual(['envelope', 'ok', 'raw']);
    expect(parsed.envelope.type).toBe(topics[topic].eventType);
    // Nothing that fails the hygiene check gets through.
    expect(checkJsonHygiene(parsed.envelope, envelopeJsonLimits)).toEqual({ ok: true });
    return;
  }
  expect(Object.keys(parsed).sort()).toEqual(['code', 'error', 'ok', 'raw']);
  expect(refusalCodes).toContain(parsed.code);
  expect(reasonCodes).toContain(parsed.code);
  expect(typeof parsed.error).toBe('string');
  // The error travels on in a dead letter, which must itself pass the hygiene check.
  expectPublishable(parsed.error);
}

function parseChecked<K extends TopicKey>(topic: K, raw: RawKafkaMessage, maxBytes?: number): ParsedEvent<K> {
  let parsed: ParsedEvent<K> | undefined;
  expect(() => {
    parsed = parseEvent(topic, raw, maxBytes);
  }).not.toThrow();
  expectOneWellFormedAnswer(topic, raw, parsed as ParsedEvent<K>);
  return parsed as ParsedEvent<K>;
}

describe('parseEvent', () => {
  it('accepts a well-formed event on its topic', () => {
    const envelope = executedEnvelope({ id: 'T-1', tags: ['a', 'b'] });
    const parsed = parseChecked('actionsExecuted', messageOf(bytesOf(envelope)));
    expect(parsed).toMatchObject({ ok: true, envelope });
  });

  it('refuses a message without a value', () => {
    expect(parseChecked('proposals', messageOf(null))).toMatchObject({
      ok: false,
      code: 'malformed_envelope',
      error: 'message has no value',
    });
  });

  it('accepts a message of exactly maxBytes and refuses one byte more, before parsing it', () => {
    const value = bytesOf(submissionEnvelope());
    expect(parseChecked('proposals', messageOf(value), value.length)).toMatchObject({ ok: true });
    expect(parseChecked('proposals', messageOf(value), value.length - 1)).toEqual({
      ok: false,
      code: 'oversized_message',
      error: `message is ${value.length} bytes, over the ${value.length - 1}-byte limit`,
      raw: expect.anything(),
    });
  });

  it.each([
    ['a byte that is never UTF-8', [0xff]],
    ['an overlong encoding of U+0000', [0xc0, 0x80]],
    ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a truncated four-byte sequence', [0xf0, 0x9f, 0x98]],
  ])('refuses %s inside a string rather than replacing it with U+FFFD', (_label, bytes) => {
    const text = JSON.stringify(submissionEnvelope('a.b.c'));
    const at = text.indexOf('a.b.c');
    const value = Buffer.concat([
      Buffer.from(text.slice(0, at)),
      Buffer.from(bytes),
      Buffer.from(text.slice(at)),
    ]);
    expect(parseChecked('proposals', messageOf(value))).toMatchObject({
      ok: false,
      code: 'malformed_envelope',
      error: 'value is not valid UTF-8',
    });
  });

  it('refuses a byte-order mark before the JSON', () => {
    const value = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytesOf(submissionEnvelope())]);
    expect(parseChecked('proposals', messageOf(value))).toMatchObject({
      ok: false,
      code: 'malformed_envelope',
    });
  });

  it('escapes the input JSON.parse quotes in its error, so half a surrogate pair or U+0000 never reaches a dead letter', () => {
    for (const text of ['😀'.repeat(20) + 'x', '{"a":\u0000}']) {
      const parsed = parseChecked('proposals', messageOf(Buffer.from(text)));
      expect(parsed).toMatchObject({
        ok: false,
        code: 'malformed_envelope',
        error: expect.stringMatching(/^value is not JSON: /),
      });
    }
  });

  describe('input hygiene of the envelope', () => {
    it.each([
      [
        'a lone surrogate',
        '"\\ud800"',
        'lone_surrogate',
        '$.data.response is a string holding a lone UTF-16 surrogate',
      ],
      ['U+0000', '{"k\\u0000":1}', 'nul_character', '$.data.response["k\\u0000"] is a key holding U+0000'],
      ['1e400', '[1e400]', 'number_not_finite', '$.data.response[0] is Infinity, not a finite number'],
      [
        '65,537 items',
        `[${Array(65_537).fill(0).join(',')}]`,
        'array_too_long',
        '$.data.response is an array of 65537 items, over the 65536-item limit',
      ],
      [
        '16,385 keys',
        JSON.stringify(Object.fromEntries(Array.from({ length: 16_385 }, (_, i) => [`k${i}`, 0]))),
        'too_many_keys',
        '$.data.response is an object of 16385 keys, over the 16384-key limit',
      ],
    ])(
      'refuses %s as a malformed envelope naming the hygiene code and path',
      (_label, responseText, code, reason) => {
        expect(parseChecked('actionsExecuted', messageOf(withResponseText(responseText)))).toMatchObject({
          ok: false,
          code: 'malformed_envelope',
          error: `envelope fails ${code}: ${reason}`,
        });
      },
    );

    it('accepts exactly 64 levels of nesting and refuses 65', () => {
      // The envelope and its data are two levels; the response holds the rest.
      const at = (depth: number) =>
        parseChecked('actionsExecuted', messageOf(withResponseText(nestedText(depth - 2, 'array'))));
      expect(at(64)).toMatchObject({ ok: true });
      expect(at(65)).toMatchObject({
        ok: false,
        code: 'malformed_envelope',
        error: expect.stringContaining('nesting_too_deep'),
      });
    });

    it('accepts a string of exactly 262,144 characters and refuses one more', () => {
      // A tool's response text: the agent's JWS is capped lower by its schema (maxSubmissionBytes).
      const at = (length: number) =>
        parseChecked(
          'actionsExecuted',
          messageOf(bytesOf(executedEnvelope('x'.repeat(length)))),
          auditMaxBytes,
        );
      expect(at(262_144)).toMatchObject({ ok: true });
      expect(at(262_145)).toMatchObject({
        ok: false,
        error: expect.stringContaining('envelope fails string_too_long: $.data.response'),
      });
    });

    it("refuses an agent's JWS longer than the protocol's submission limit, whatever the message size allowed", () => {
      const at = (length: number) =>
        parseChecked('proposals', messageOf(bytesOf(submissionEnvelope('x'.repeat(length)))), auditMaxBytes);
      expect(at(maxSubmissionBytes)).toMatchObject({ ok: true });
      expect(at(maxSubmissionBytes + 1)).toMatchObject({
        ok: false,
        code: 'invalid_submission',
        error: expect.stringContaining('/jws'),
      });
    });

    it('refuses more than 100,000 values in total', () => {
      const rows = Array.from({ length: 11 }, () => Array(9_999).fill(0));
      const parsed = parseChecked(
        'actionsExecuted',
        messageOf(bytesOf(executedEnvelope(rows))),
        auditMaxBytes,
      );
      expect(parsed).toMatchObject({
        ok: false,
        error: expect.stringContaining('envelope fails too_many_values'),
      });
    });

    it.each([100_000, 1_000_000])('refuses nesting %i deep without a stack overflow', (depth) => {
      for (const kind of ['array', 'object'] as const) {
        const parsed = parseChecked(
          'actionsExecuted',
          messageOf(withResponseText(nestedText(depth, kind))),
          auditMaxBytes,
        );
        expect(parsed).toMatchObject({
          ok: false,
          code: 'malformed_envelope',
          error: expect.stringContaining('nesting_too_deep'),
        });
      }
    });
  });

  it('refuses an event of another topic, a key that is not its run id, and a payload off its schema', () => {
    const executed = bytesOf(executedEnvelope(null));
    expect(parseChecked('proposals', messageOf(executed))).toMatchObject({
      code: 'malformed_envelope',
      error: expect.stringContaining('does not belong on this topic'),
    });
    expect(parseChecked('actionsExecuted', messageOf(executed, 'run\u00002'))).toMatchObject({
      code: 'malformed_envelope',
      error: "message key run\\u00002 is not the event's run id run-1",
    });
    const offSchema = bytesOf({ ...submissionEnvelope(), data: { jws: 42 } });
    expect(parseChecked('proposals', messageOf(offSchema))).toMatchObject({ code: 'invalid_submission' });
  });
});

// ---- Property-based tests: hostile input of every shape ends as exactly one well-formed answer. ----

/** One UTF-16 unit or code point, biased towards what breaks hashing, storage and parsers. */
const hostileChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  fc.constantFrom(
    '\u0000',
    '\uD800',
    '\uDBFF',
    '\uDC00',
    '\uDFFF',
    '\uFFFE',
    '\uFFFF',
    '\uFEFF',
    '\u2028',
    '😀',
    '\u{10FFFF}',
    '"',
    '\\',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.char16bits(),
);
const hostileString = fc.string({ unit: hostileChar, maxLength: 30 });
const hostileJson = fc.jsonValue({ stringUnit: hostileChar, maxDepth: 4 });
/** Well-formed text without U+0000: what the hygiene check must let through. */
const cleanChar = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 1 })
  .filter((char) => char !== '\u0000');
const cleanJson = fc.jsonValue({ stringUnit: cleanChar, maxDepth: 5 });

const topicKeys = Object.keys(topics) as TopicKey[];
const anyTopic = fc.constantFrom(...topicKeys);
const anyKey = fc.oneof(fc.constant('run-1'), fc.constant(null), hostileString);

const wrongTypedValue = fc.oneof(
  hostileJson,
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);

/** A valid envelope of one of two topics, then one field replaced, removed or added. */
const mutatedEnvelope = fc
  .record({
    base: fc.constantFrom<[TopicKey, Record<string, unknown>]>(
      ['actionsExecuted', executedEnvelope({ ok: true })],
      ['proposals', submissionEnvelope()],
    ),
    inData: fc.boolean(),
    field: fc.constantFrom(
      'specversion',
      'id',
      'source',
      'type',
      'time',
      'datacontenttype',
      'runid',
      'proposalid',
      'agentid',
      'subject',
      'data',
      'jws',
      'proposal_id',
      'run_id',
      'status_code',
      'response',
      'cost_usd',
      'bundle_hash',
      '__proto__',
      'extra',
    ),
    change: fc.oneof(
      fc.constant({ remove: true as const }),
      wrongTypedValue.map((value) => ({ value })),
    ),
  })
  .map(({ base: [topic, envelope], inData, field, change }) => {
    const copy = JSON.parse(JSON.stringify(envelope)) as Record<string, unknown>;
    const target = inData ? (copy['data'] as Record<string, unknown>) : copy;
    if ('remove' in change) delete target[field];
    else
      Object.defineProperty(target, field, {
        value: change.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return { topic, value: Buffer.from(JSON.stringify(copy)) };
  });

/** Damage at the byte level: truncation, and bytes that are not UTF-8 spliced in. */
const damagedBytes = fc
  .record({
    message: mutatedEnvelope,
    cutAt: fc.option(fc.nat(), { nil: undefined }),
    splice: fc.option(
      fc.record({
        at: fc.nat(),
        bytes: fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 4 }),
          fc
            .constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82])
            .map((b) => Uint8Array.from(b)),
        ),
      }),
      { nil: undefined },
    ),
  })
  .map(({ message, cutAt, splice }) => {
    let value = message.value;
    if (cutAt !== undefined) value = value.subarray(0, cutAt % (value.length + 1));
    if (splice !== undefined) {
      const at = splice.at % (value.length + 1);
      value = Buffer.concat([value.subarray(0, at), Buffer.from(splice.bytes), value.subarray(at)]);
    }
    return { topic: message.topic, value };
  });

describe('parseEvent under hostile input (property-based)', () => {
  it('answers random bytes with one well-formed answer, refusing every byte sequence that is not UTF-8', () => {
    fc.assert(
      fc.property(anyTopic, fc.uint8Array({ maxLength: 512 }), anyKey, (topic, bytes, key) => {
        const value = Buffer.from(bytes);
        const parsed = parseChecked(topic, messageOf(value, key));
        if (!Buffer.from(value.toString('utf8')).equals(value)) {
          expect(parsed).toMatchObject({
            ok: false,
            code: 'malformed_envelope',
            error: 'value is not valid UTF-8',
          });
        }
      }),
      { numRuns: propertyRuns(1_000) },
    );
  });

  it('answers random JSON, Unicode edge cases included, with one well-formed answer', () => {
    fc.assert(
      fc.property(anyTopic, hostileJson, anyKey, (topic, json, key) => {
        parseChecked(topic, messageOf(bytesOf(json), key));
      }),
      { numRuns: propertyRuns(1_000) },
    );
  });

  it('answers valid envelopes with a field of the wrong type, removed or added, with one well-formed answer', () => {
    fc.assert(
      fc.property(mutatedEnvelope, anyKey, ({ topic, value }, key) => {
        parseChecked(topic, messageOf(value, key));
      }),
      { numRuns: propertyRuns(1_000) },
    );
  });

  it('answers truncated envelopes and envelopes with foreign bytes spliced in, with one well-formed answer', () => {
    fc.assert(
      fc.property(damagedBytes, ({ topic, value }) => {
        parseChecked(topic, messageOf(value));
      }),
      { numRuns: propertyRuns(1_000) },
    );
  });

  it('accepts a valid event exactly when its content passes the hygiene check', () => {
    fc.assert(
      fc.property(fc.oneof(hostileJson, cleanJson), (response) => {
        const value = bytesOf(executedEnvelope(response));
        const expected = checkJsonHygiene(JSON.parse(value.toString('utf8')), envelopeJsonLimits).ok;
        expect(parseChecked('actionsExecuted', messageOf(value)).ok).toBe(expected);
      }),
      { numRuns: propertyRuns(1_000) },
    );
  });

  it('accepts every valid event whose content is well-formed and NUL-free, unchanged', () => {
    fc.assert(
      fc.property(cleanJson, (response) => {
        const envelope = executedEnvelope(response);
        const parsed = parseChecked('actionsExecuted', messageOf(bytesOf(envelope)));
        expect(parsed).toMatchObject({ ok: true, envelope: JSON.parse(JSON.stringify(envelope)) });
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  it('answers huge and deep values around every limit with one well-formed answer', () => {
    const around = (limit: number) => fc.integer({ min: limit - 2, max: limit + 2 });
    const hugeOrDeep = fc.oneof(
      fc
        .tuple(fc.integer({ min: 1, max: 300_000 }), fc.constantFrom('array' as const, 'object' as const))
        .map(([depth, kind]) => nestedText(depth, kind)),
      around(envelopeJsonLimits.maxDepth).map((depth) => nestedText(depth, 'array')),
      around(envelopeJsonLimits.maxStringLength).map((length) => JSON.stringify('y'.repeat(length))),
      around(envelopeJsonLimits.maxArrayLength).map((length) => `[${Array(length).fill('1').join(',')}]`),
      around(envelopeJsonLimits.maxKeysPerObject).map((count) =>
        JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]))),
      ),
    );
    fc.assert(
      fc.property(hugeOrDeep, (responseText) => {
        parseChecked('actionsExecuted', messageOf(withResponseText(responseText)), auditMaxBytes);
      }),
      { numRuns: propertyRuns(60) },
    );
  });
});
