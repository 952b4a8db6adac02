import fc from 'fast-check';
import { topics } from '@airlock/contracts';
import type { AttestationColumns } from './attestation-columns';
import { toAuditRow, type AuditableEnvelope, type AuditRowContext } from './audit-row';
import { chainRow, verifyChain } from './hash-chain';
import { toQuarantineRow } from './quarantine-row';
import { toClickHouseDateTime, unstorableText } from './storable-text';

/** Text as a forger would send it: any UTF-16 code units, lone surrogates and U+0000 included. */
const hostileText = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  fc.string16bits(),
  fc.constantFrom('', '\u0000', '\ud800', '\udc00x', 'run-1', 'issue_refund'),
);

const isoTime = (date: Date) => (Number.isNaN(date.getTime()) ? 'not a time' : date.toISOString());

const time = fc.oneof(
  {
    arbitrary: fc
      .date({ min: new Date('1970-01-01T00:00:01Z'), max: new Date('2105-12-31T23:59:59Z') })
      .map(isoTime),
    weight: 4,
  },
  fc.date().map(isoTime),
  fc.constantFrom(
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '1970-01-01T00:00:00Z',
    '2105-12-31T23:59:59Z',
    '2024-05-01T12:00:00+14:00',
  ),
  hostileText,
);

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = { arguments: value };
  return value;
}

const throwingGetter = Object.defineProperty({}, 'proposal', {
  enumerable: true,
  get() {
    throw new Error('a getter that throws');
  },
});

/** Event data shaped like the gates' payloads, every field possibly of the wrong type. */
const gateLikeData = fc.record(
  {
    proposal: fc.oneof(
      fc.record(
        {
          proposal_id: hostileText,
          agent_id: hostileText,
          tool: fc.oneof(fc.constant('issue_refund'), hostileText),
          arguments: fc.anything(),
        },
        { requiredKeys: [] },
      ),
      fc.anything(),
    ),
    decision: fc.oneof(hostileText, fc.anything()),
    outcome: hostileText,
    reason_code: hostileText,
    reason: hostileText,
    reasons: fc.oneof(fc.array(hostileText), fc.anything()),
    policy_ids: fc.array(hostileText),
    bundle_hash: hostileText,
    cost_usd: fc.oneof(fc.double(), fc.anything()),
    reserved_cost_usd: fc.double(),
    response: fc.anything(),
  },
  { requiredKeys: [] },
);

const data = fc.oneof(
  gateLikeData,
  fc.anything(),
  fc.constantFrom<unknown>(null, throwingGetter, {
    proposal: { tool: 'issue_refund', arguments: nested(20000) },
  }),
);

/** Shaped like a CloudEvent, as parseEvent would pass it, but with hostile text in every attribute. */
const shapedEnvelope = fc.record(
  {
    specversion: fc.constant('1.0'),
    id: hostileText,
    source: hostileText,
    type: fc.oneof(fc.constantFrom(...Object.values(topics).map((topic) => topic.eventType)), hostileText),
    time,
    datacontenttype: fc.constant('application/json'),
    runid: hostileText,
    proposalid: hostileText,
    agentid: hostileText,
    attestation: hostileText,
    data: fc.oneof({ arbitrary: gateLikeData, weight: 3 }, { arbitrary: data, weight: 1 }),
  },
  { requiredKeys: ['id', 'type', 'time', 'runid', 'data'] },
);

/** Anything at all where the envelope's attributes should be. */
const wildEnvelope = fc.record(
  {
    id: fc.oneof(hostileText, fc.anything()),
    type: hostileText,
    time: fc.oneof(time, fc.anything()),
    runid: fc.oneof(hostileText, fc.anything()),
    proposalid: fc.anything(),
    data,
  },
  { requiredKeys: [] },
);

const envelope = fc.oneof({ arbitrary: shapedEnvelope, weight: 4 }, { arbitrary: wildEnvelope, weight: 1 });

const topic = fc.oneof(fc.constantFrom(...Object.values(topics).map((spec) => spec.name)), hostileText);

const attestation = fc.constantFrom<AttestationColumns>(
  { attested_by: 'policy', attestation: 'verified', attestation_error: '' },
  {
    attested_by: '',
    attestation: 'invalid',
    attestation_error: 'the event differs from what its gate attested',
  },
  { attested_by: '', attestation: 'missing', attestation_error: 'the event carries no attestation' },
  { attested_by: '', attestation: 'agent_signed', attestation_error: '' },
);

const sensitiveFieldsOf = fc.oneof(
  fc.constant((): readonly string[] => ['card_number', 'email']),
  fc.constant((): readonly string[] => {
    throw new Error('the bundle lookup failed');
  }),
  fc.func(fc.array(hostileText, { maxLength: 3 })),
);

const source = fc.record({
  topic: hostileText,
  partition: fc.oneof(fc.integer(), fc.double()),
  offset: hostileText,
  key: fc.oneof(hostileText, fc.constant(null)),
  value: fc.oneof(
    fc.uint8Array().map((bytes) => Buffer.from(bytes)),
    fc.constant(null),
  ),
});

function storableStrings(value: object): boolean {
  return Object.values(value)
    .flatMap((item: unknown) => (Array.isArray(item) ? item : [item]))
    .every((item: unknown) => typeof item !== 'string' || unstorableText(item) === undefined);
}

describe('building an audit row from hostile input', () => {
  const outcomes = new Set<string>();

  afterAll(() => {
    // Guards the generators: a property that only ever saw refusals would prove little about rows.
    expect([...outcomes].sort()).toEqual(
      ['lone_surrogate', 'nul_character', 'row', 'unbuildable_row', 'unrepresentable_time'].sort(),
    );
  });

  it('never throws: every envelope becomes a storable, chainable row or a storable quarantine row', () => {
    fc.assert(
      fc.property(
        topic,
        envelope,
        attestation,
        sensitiveFieldsOf,
        source,
        (topicName, event, columns, fieldsOf, from) => {
          const context: AuditRowContext = { traceId: '', attestation: columns, sensitiveFieldsOf: fieldsOf };
          const result = toAuditRow(topicName, event as unknown as AuditableEnvelope, context);
          outcomes.add(result.ok ? 'row' : result.code);
          if (result.ok) {
            const { row } = result;
            expect(storableStrings(row)).toBe(true);
            // The time reads back as written, so ClickHouse stores the very text that was hashed.
            expect(toClickHouseDateTime(`${row.event_time.replace(' ', 'T')}Z`)).toBe(row.event_time);
            // Written as JSON and read back (what ClickHouse's JSONEachRow does), the chain still verifies.
            const chained = chainRow(undefined, row);
            expect(verifyChain([JSON.parse(JSON.stringify(chained))])).toEqual({ ok: true, length: 1 });
          } else {
            const quarantined = toQuarantineRow(from, result.code, result.reason, new Date());
            expect(storableStrings(quarantined)).toBe(true);
            expect(quarantined.reason_code).toBe(result.code);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('quarantines any message whatever its source, in text ClickHouse stores as given', () => {
    fc.assert(
      fc.property(source, hostileText, hostileText, fc.date(), (from, code, reason, receivedAt) => {
        const row = toQuarantineRow(from, code, reason, receivedAt);
        expect(storableStrings(row)).toBe(true);
        expect(Buffer.from(row.raw_value_base64, 'base64')).toEqual(from.value ?? Buffer.alloc(0));
        expect(Number.isInteger(row.kafka_partition)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
