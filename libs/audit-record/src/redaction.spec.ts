import { redact } from './redaction';

describe('redact', () => {
  it('replaces sensitive keys at any depth, inside objects and arrays', () => {
    const value = {
      card_number: '4111',
      customer: { email: 'a@b.c', orders: [{ id: 1, card_number: '4242' }] },
      amount: 5,
    };
    expect(redact(value, ['card_number', 'email'])).toEqual({
      card_number: '[redacted]',
      customer: { email: '[redacted]', orders: [{ id: 1, card_number: '[redacted]' }] },
      amount: 5,
    });
  });

  it('redacts a whole subtree whose key is sensitive', () => {
    expect(redact({ billing: { card: '4111', zip: '1000' } }, ['billing'])).toEqual({
      billing: '[redacted]',
    });
  });

  it('matches keys regardless of case', () => {
    expect(redact({ Card_Number: '4111' }, ['card_number'])).toEqual({ Card_Number: '[redacted]' });
  });

  it('does not modify the value it was given', () => {
    const value = { secret: 's', nested: { secret: 't' } };
    redact(value, ['secret']);
    expect(value).toEqual({ secret: 's', nested: { secret: 't' } });
  });

  it('leaves values that merely equal a sensitive field name alone', () => {
    expect(redact({ note: 'card_number', list: ['email'] }, ['card_number', 'email'])).toEqual({
      note: 'card_number',
      list: ['email'],
    });
  });
});

describe('redact on hostile keys', () => {
  it('keeps a "__proto__" key as data and redacts beneath it', () => {
    const parsed = JSON.parse('{"__proto__": {"card_number": "4111"}, "ok": 1}') as unknown;
    const copy = redact(parsed, ['card_number']) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'ok']);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"card_number":"[redacted]"},"ok":1}');
  });
});
