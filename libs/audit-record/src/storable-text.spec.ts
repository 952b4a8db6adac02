import { storableText, toClickHouseDateTime, unstorableText } from './storable-text';

describe('toClickHouseDateTime', () => {
  it('converts an offset time to UTC and drops the fraction', () => {
    expect(toClickHouseDateTime('2024-05-01T14:00:00.999+02:00')).toBe('2024-05-01 12:00:00');
  });

  it('is undefined for text that is not a date-time', () => {
    expect(toClickHouseDateTime('yesterday')).toBeUndefined();
  });

  it('keeps the first and last seconds that ClickHouse DateTime reads back unchanged', () => {
    expect(toClickHouseDateTime('1970-01-01T00:00:01Z')).toBe('1970-01-01 00:00:01');
    expect(toClickHouseDateTime('2105-12-31T23:59:59.999Z')).toBe('2105-12-31 23:59:59');
  });

  it('is undefined one second outside them, where 18.16 would store another time', () => {
    expect(toClickHouseDateTime('1970-01-01T00:00:00.999Z')).toBeUndefined();
    expect(toClickHouseDateTime('2106-01-01T00:00:00Z')).toBeUndefined();
    expect(toClickHouseDateTime('0001-01-01T00:00:00Z')).toBeUndefined();
  });

  it('accepts a Date', () => {
    expect(toClickHouseDateTime(new Date('2024-05-01T12:00:00Z'))).toBe('2024-05-01 12:00:00');
  });
});

describe('unstorableText', () => {
  it('accepts text with surrogate pairs', () => {
    expect(unstorableText('smile \ud83d\ude00')).toBeUndefined();
  });

  it('names a lone surrogate, high or low, and U+0000', () => {
    expect(unstorableText('a\ud83d')).toBe('lone_surrogate');
    expect(unstorableText('\ude00a')).toBe('lone_surrogate');
    expect(unstorableText('a\u0000b')).toBe('nul_character');
  });
});

describe('storableText', () => {
  it('replaces lone surrogates and U+0000 and keeps pairs', () => {
    expect(storableText('a\ud800b\u0000c\ud83d\ude00', 100)).toBe('a\ufffdb\ufffdc\ud83d\ude00');
  });

  it('cuts long text without splitting a surrogate pair', () => {
    const cut = storableText('ab\ud83d\ude00cd', 3);
    expect(cut).toBe('ab…');
    expect(unstorableText(cut)).toBeUndefined();
  });
});
