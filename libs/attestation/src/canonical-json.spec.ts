import { canonicalJson } from './canonical-json';
import { proposalHash } from './proposal-hash';

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('prints numbers in ECMAScript shortest form, with -0 as 0', () => {
    expect(canonicalJson([1.5, 1e21, 0.1 + 0.2, -0, 100])).toBe('[1.5,1e+21,0.30000000000000004,0,100]');
  });

  it('omits object properties that are undefined, as a JSON round trip would', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson(JSON.parse('{"a":1}')));
  });

  it.each([
    ['NaN', { a: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['undefined inside an array', [1, undefined]],
    ['undefined at the top', undefined],
    ['a Date', { at: new Date(0) }],
    ['a bigint', { n: BigInt(1) }],
    ['a function', { f: () => 1 }],
    ['a lone surrogate', { s: '\uD800' }],
  ])('refuses %s', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('refuses a cycle but accepts the same object reached twice', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/refers back/);
  });

  it('keeps escaped characters and non-ASCII text as JSON.stringify does', () => {
    expect(canonicalJson({ é: 'line\nbreak "quoted" €' })).toBe('{"é":"line\\nbreak \\"quoted\\" €"}');
  });
});

describe('proposalHash', () => {
  const proposal = {
    proposal_id: 'p1',
    run_id: 'r1',
    agent_id: 'a1',
    tool: 'refund',
    arguments: { amount: 10, order: 'o1' },
    issued_at: '2024-01-01T00:00:00Z',
  };

  it('does not depend on key order', () => {
    const reordered = { ...proposal, arguments: { order: 'o1', amount: 10 } };
    expect(proposalHash(reordered)).toBe(proposalHash(proposal));
  });

  it('changes when an argument changes', () => {
    expect(proposalHash({ ...proposal, arguments: { amount: 11, order: 'o1' } })).not.toBe(
      proposalHash(proposal),
    );
  });

  it('is the sha256 hex of the canonical JSON', () => {
    expect(proposalHash(proposal)).toMatch(/^[0-9a-f]{64}$/);
  });
});
