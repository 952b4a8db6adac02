import fc from 'fast-check';
import type { ToolDefinition } from '@airlock/contracts';
import { resultFacts } from './result-facts';

const listing = (result_facts: ToolDefinition['result_facts']): ToolDefinition => ({
  name: 'drive.list_files',
  description: 'Lists the drive.',
  risk: 'read',
  idempotent: true,
  arguments_schema: { type: 'object' },
  cost: { per_call_usd: 0 },
  adapter: { type: 'http', destination: 'd', method: 'POST', path: '/' },
  allowed_hosts: ['localhost'],
  sensitive_fields: [],
  result_facts,
});

const drive = listing({
  listed_file_ids: { from: '$.files[*]', take: 'id' },
  largest_file_id: { from: '$.files[*]', max_by: 'size', take: 'id' },
  smallest_file_id: { from: '$.files[*]', min_by: 'size', take: 'id' },
  owners: { from: '$.files[*].owner.email' },
});

const files = [
  { id: '0', size: 1036, owner: { email: 'emma@example.com' } },
  { id: '11', size: 3183, owner: { email: 'mark@example.com' } },
  { id: 13, size: 98, owner: { email: 'emma@example.com' } },
];

describe('resultFacts', () => {
  it('reads the sets and the greatest and least items a tool declares, integers written in decimal', () => {
    expect(resultFacts(drive, { files })).toEqual({
      listed_file_ids: ['0', '11', '13'],
      largest_file_id: '11',
      smallest_file_id: '13',
      owners: ['emma@example.com', 'mark@example.com'],
    });
  });

  it('reads an answer that is itself the list', () => {
    const tool = listing({ largest: { from: '$[*]', max_by: 'size', take: 'id_' } });
    expect(
      resultFacts(tool, [
        { id_: '3', size: 5 },
        { id_: '4', size: 7 },
      ]),
    ).toEqual({ largest: '4' });
  });

  it('gives an empty set for an empty list, and no greatest item', () => {
    expect(resultFacts(drive, { files: [] })).toEqual({ listed_file_ids: [], owners: [] });
  });

  it('gives no greatest item on a tie, nor when one item has no number to compare', () => {
    const tie = [
      { id: 'a', size: 10 },
      { id: 'b', size: 10 },
      { id: 'c', size: 1 },
    ];
    expect(resultFacts(drive, { files: tie })).toMatchObject({ smallest_file_id: 'c' });
    expect(resultFacts(drive, { files: tie })).not.toHaveProperty('largest_file_id');
    const unsized = [{ id: 'a', size: 10 }, { id: 'b' }, { id: 'c', size: '99' }];
    expect(resultFacts(drive, { files: unsized })).not.toHaveProperty('largest_file_id');
  });

  it('gives nothing for an answer that is not JSON, was truncated, or has another shape', () => {
    for (const answer of ['<html>error</html>', null, 42, [files], { files: 'none' }, { items: files }]) {
      expect(resultFacts(drive, answer)).toEqual({});
    }
    expect(resultFacts(drive, { files }, true)).toEqual({});
  });

  it('leaves out values that are not strings or integers, and strings too long to be an id', () => {
    const odd = [
      { id: true, size: 1 },
      { id: { nested: '1' }, size: 2 },
      { id: 1.5, size: 3 },
      { id: 'x'.repeat(513), size: 4 },
      { id: 'ok', size: 0 },
    ];
    expect(resultFacts(drive, { files: odd })).toMatchObject({ listed_file_ids: ['ok'] });
    // The greatest item has no usable id: no fact, rather than the next one.
    expect(resultFacts(drive, { files: odd })).not.toHaveProperty('largest_file_id');
  });

  it('reads only own members, never what an object inherits (every {} has a constructor named Object)', () => {
    const tool = listing({ names: { from: '$[*]', take: 'constructor.name' } });
    expect(resultFacts(tool, [{}, { constructor: { name: 'planted' } }])).toEqual({ names: ['planted'] });
  });

  it('gives nothing rather than part of an answer with too many items or values', () => {
    const many = Array.from({ length: 10_001 }, (_, index) => ({ id: `f${index}`, size: index }));
    expect(resultFacts(drive, { files: many })).toEqual({});
    const manyIds = Array.from({ length: 1_001 }, (_, index) => ({ id: `f${index}`, size: index }));
    expect(resultFacts(drive, { files: manyIds })).toEqual({
      largest_file_id: 'f1000',
      smallest_file_id: 'f0',
      owners: [],
    });
  });

  it('stays within its limits on an answer nested deeply', () => {
    let deep: unknown = { files };
    for (let depth = 0; depth < 5_000; depth += 1) deep = { files: [deep] };
    expect(resultFacts(drive, deep)).toEqual({ listed_file_ids: [], owners: [] });
  });

  it('never throws, and yields only strings, whatever the answer', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (answer, wrapped) => {
        const facts = resultFacts(drive, wrapped ? { files: answer } : answer);
        for (const fact of Object.values(facts)) {
          for (const value of Array.isArray(fact) ? fact : [fact]) expect(typeof value).toBe('string');
        }
      }),
    );
  });
});
