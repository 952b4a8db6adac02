import { fillPreviewPath, previewRows, stateAfter } from './tool-preview';

describe('the preview path', () => {
  it('puts each argument in its placeholder', () => {
    expect(fillPreviewPath('/charges/{charge_id}', { charge_id: 'ch_1' })).toEqual({
      ok: true,
      value: '/charges/ch_1',
    });
    expect(fillPreviewPath('/accounts/{payee.id}/limits/{n}', { payee: { id: 'a b' }, n: 7 })).toEqual({
      ok: true,
      value: '/accounts/a%20b/limits/7',
    });
  });

  it.each([
    ['../admin', '/charges/..%2Fadmin'],
    ['x?expand=secrets', '/charges/x%3Fexpand%3Dsecrets'],
    ['x#y', '/charges/x%23y'],
    ['%2e%2e', '/charges/%252e%252e'],
    ['a/b', '/charges/a%2Fb'],
    ['\\..\\', '/charges/%5C..%5C'],
    ['ü\u0000', '/charges/%C3%BC%00'],
    ['😀', '/charges/%F0%9F%98%80'],
  ])('keeps a hostile value %j inside one path segment', (value, path) => {
    const filled = fillPreviewPath('/charges/{charge_id}', { charge_id: value });
    expect(filled).toEqual({ ok: true, value: path });
    // As the executor resolves it: still the one charge, on the same destination.
    const url = new URL(filled.ok ? filled.value : '', 'http://127.0.0.1:4010/api/');
    expect(url.host).toBe('127.0.0.1:4010');
    expect(url.pathname).toBe(path);
    expect(url.search).toBe('');
  });

  it.each(['.', '..', ''])('refuses %j, which a URL would resolve as a step of the path', (value) => {
    expect(fillPreviewPath('/charges/{charge_id}', { charge_id: value })).toEqual({
      ok: false,
      reason: `the argument at $.charge_id (${JSON.stringify(value)}) is not a path segment`,
    });
  });

  it.each([[undefined], [null], [1.5], [{ a: 1 }], [['x']], [true]])(
    'refuses a value that is not a string or an integer: %j',
    (value) => {
      expect(fillPreviewPath('/charges/{charge_id}', { charge_id: value })).toEqual({
        ok: false,
        reason: 'the argument at $.charge_id is not a string or an integer',
      });
    },
  );

  it('refuses a lone surrogate, which no URL can carry', () => {
    expect(fillPreviewPath('/charges/{charge_id}', { charge_id: 'ch_\ud800' })).toEqual({
      ok: false,
      reason: 'the argument at $.charge_id is not well-formed Unicode',
    });
  });

  it('reads only the arguments’ own fields', () => {
    expect(fillPreviewPath('/x/{constructor}', {}).ok).toBe(false);
  });
});

describe('the state after the call', () => {
  const before = { id: 'ch_1', amount_cents: 5000, refunded_cents: 1000, plan: 'basic' };

  it('sets a field to an argument and adds a number argument to a number field', () => {
    const after = stateAfter(
      before,
      { plan: '$.plan', refunded_cents: { add: '$.amount_cents' } },
      { plan: 'pro', amount_cents: 1500 },
    );
    expect(after).toEqual({
      ok: true,
      value: { id: 'ch_1', amount_cents: 5000, refunded_cents: 2500, plan: 'pro' },
    });
  });

  it('changes nothing for an argument the call leaves out', () => {
    expect(stateAfter(before, { plan: '$.plan' }, {})).toEqual({ ok: true, value: before });
  });

  it('refuses to add to what is not a number', () => {
    expect(stateAfter({ refunded_cents: '10' }, { refunded_cents: { add: '$.n' } }, { n: 1 })).toEqual({
      ok: false,
      reason: 'refunded_cents + $.n is not a sum of two numbers',
    });
  });

  it('keeps a field named __proto__ a field', () => {
    const after = stateAfter({}, { ['__proto__']: '$.x' }, { x: { polluted: true } });
    expect(after.ok && Object.keys(after.value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('the before/after table', () => {
  it('lists every field once, marking those that change', () => {
    expect(previewRows({ a: 1, b: { c: 2 }, gone: 'x' }, { a: 1, b: { c: 3 }, added: true })).toEqual([
      { field: 'a', before: 1, after: 1, changed: false },
      { field: 'b', before: { c: 2 }, after: { c: 3 }, changed: true },
      { field: 'gone', before: 'x', after: undefined, changed: true },
      { field: 'added', before: undefined, after: true, changed: true },
    ]);
  });
});
