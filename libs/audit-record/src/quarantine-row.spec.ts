import { createHash } from 'node:crypto';
import { toQuarantineRow } from './quarantine-row';
import { unstorableText } from './storable-text';

const receivedAt = new Date('2024-05-01T12:00:00.500Z');
const source = {
  topic: 'agent.proposals',
  partition: 2,
  offset: '41',
  key: 'run-1',
  value: Buffer.from('{"not": "an envelope"}'),
};

describe('toQuarantineRow', () => {
  it('keeps the raw value as base64 with its hash, and where it came from', () => {
    expect(toQuarantineRow(source, 'malformed_envelope', 'not a CloudEvent', receivedAt)).toEqual({
      received_at: '2024-05-01 12:00:00',
      topic: 'agent.proposals',
      kafka_partition: 2,
      kafka_offset: '41',
      kafka_key: 'run-1',
      reason_code: 'malformed_envelope',
      reason: 'not a CloudEvent',
      raw_value_base64: source.value.toString('base64'),
      raw_value_sha256: createHash('sha256').update(source.value).digest('hex'),
    });
  });

  it('keeps bytes that are not UTF-8 exactly', () => {
    const value = Buffer.from([0xff, 0x00, 0xd8, 0x00]);
    const row = toQuarantineRow({ ...source, value }, 'malformed_envelope', 'x', receivedAt);
    expect(Buffer.from(row.raw_value_base64, 'base64')).toEqual(value);
  });

  it('records a message without a value or key as empty', () => {
    const row = toQuarantineRow({ ...source, key: null, value: null }, 'malformed_envelope', 'x', receivedAt);
    expect(row).toMatchObject({ kafka_key: '', raw_value_base64: '' });
  });

  it('makes hostile text in the key and reason storable, so the quarantine itself never refuses it', () => {
    const row = toQuarantineRow(
      { ...source, key: 'k\u0000\ud800' },
      'x',
      `kid \udfff ${'z'.repeat(5000)}`,
      receivedAt,
    );
    expect(unstorableText(row.kafka_key)).toBeUndefined();
    expect(unstorableText(row.reason)).toBeUndefined();
    expect(row.reason.length).toBeLessThanOrEqual(2001);
  });
});
