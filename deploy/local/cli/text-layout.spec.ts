import { compactJson, printable, table } from './text-layout';

describe('table', () => {
  it('pads each column to its widest cell, shows an empty cell as -, and leaves no trailing blanks', () => {
    expect(
      table(
        ['id', 'status', 'note'],
        [
          ['p-1', 'pending', ''],
          ['p-22', '', 'x'],
        ],
      ),
    ).toEqual(['id    status   note', 'p-1   pending  -', 'p-22  -        x']);
  });

  it('keeps a forged newline or escape sequence from breaking out of its cell', () => {
    expect(table(['reason'], [['ok\n2  verified\u001b[2J']])).toEqual([
      'reason',
      'ok\\u000a2  verified\\u001b[2J',
    ]);
    expect(printable('tab\there')).toBe('tab\\u0009here');
  });
});

describe('compactJson', () => {
  it('writes JSON on one line and cuts it where it is too long', () => {
    expect(compactJson({ a: 1 }, 20)).toBe('{"a":1}');
    expect(compactJson({ title: 'Printer on fire' }, 12)).toBe('{"title":"P…');
  });
});
