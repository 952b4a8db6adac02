import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  maxSubmissionBytes,
  proposalJsonLimits,
  reasonCodes,
  topics,
  type JsonLimits,
} from '@airlock/contracts';
import {
  defaultFreshnessWindow,
  defaultMaxRunSeconds,
  maxTicketClockSkewMs,
} from '@airlock/proposal-verification';

/**
 * docs/protocol.md is what a client written without the project's libraries relies on, so it must
 * say what the schemas and the code say: every field a schema allows is in its table and every
 * field a table lists is in the schema, and every limit the page states is the one the code uses.
 */
const repoRoot = join(__dirname, '..', '..', '..');
const doc = readFileSync(join(repoRoot, 'docs', 'protocol.md'), 'utf8');

function schemaFile(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(repoRoot, 'schemas', 'events', `${name}.schema.json`), 'utf8'));
}

const definitions = schemaFile('definitions') as { definitions: Record<string, { properties: object }> };

/** The rows of the first table under the heading, as trimmed cells, without header and separator. */
function tableUnder(heading: string): string[][] {
  const lines = doc.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`docs/protocol.md has no heading "${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.startsWith('|'))
      rows.push(
        line
          .slice(1, -1)
          .split('|')
          .map((cell) => cell.trim()),
      );
    else if (rows.length > 0) break;
  }
  return rows.slice(2);
}

/** The names a table lists in its first column, each written as `name`. */
function namesIn(heading: string): string[] {
  return tableUnder(heading).map(([first]) => {
    const name = /^`([^`]+)`$/.exec(first ?? '')?.[1];
    if (name === undefined)
      throw new Error(`a row under "${heading}" does not start with a \`name\`: ${first}`);
    return name;
  });
}

/** What a "Defined by" cell names: a constant of the code, or `schema#/json/pointer`. */
function definedValue(reference: string): number {
  const constants: Record<string, number> = {
    maxSubmissionBytes,
    'defaultFreshnessWindow.maxAgeSeconds': defaultFreshnessWindow.maxAgeSeconds,
    'defaultFreshnessWindow.maxFutureSeconds': defaultFreshnessWindow.maxFutureSeconds,
    defaultMaxRunSeconds,
    maxTicketClockSkewMs,
  };
  for (const key of Object.keys(proposalJsonLimits) as (keyof JsonLimits)[])
    constants[`proposalJsonLimits.${key}`] = proposalJsonLimits[key];
  if (reference in constants) return constants[reference] as number;
  const [file, pointer] = reference.split('#');
  let value: unknown = schemaFile(file ?? '');
  for (const step of (pointer ?? '').split('/').slice(1)) value = (value as Record<string, unknown>)[step];
  if (typeof value !== 'number') throw new Error(`${reference} names no number in the code or the schemas`);
  return value;
}

/** "65,536 bytes" as a number in the unit of the constant: milliseconds for a constant named …Ms. */
function statedValue(cell: string, reference: string): number {
  const match = /^([\d,]+) (\w+)/.exec(cell);
  if (!match) throw new Error(`limit "${cell}" is not a number and a unit`);
  const value = Number(match[1]?.replace(/,/g, ''));
  return reference.endsWith('Ms') && match[2] === 's' ? value * 1000 : value;
}

describe('docs/protocol.md', () => {
  it.each([
    ['## The envelope', schemaFile('cloudevent-envelope')['properties'] as object],
    ['## The proposal', definitions.definitions['Proposal']?.properties ?? {}],
    ['## Runs: tickets from launchers', definitions.definitions['RunTicket']?.properties ?? {}],
  ])('lists under "%s" exactly the fields the schema allows', (heading, properties) => {
    expect(namesIn(heading).sort()).toEqual(Object.keys(properties).sort());
  });

  it('states every limit as the code defines it', () => {
    const rows = tableUnder('## Limits');
    expect(rows.length).toBeGreaterThan(10);
    for (const [limit, value, , reference] of rows) {
      const code = /^`([^`]+)`$/.exec(reference ?? '')?.[1] ?? '';
      expect({ limit, value: statedValue(value ?? '', code) }).toEqual({ limit, value: definedValue(code) });
    }
  });

  it('names only registered reason codes in its rejections, the envelope checks among them', () => {
    const listed = namesIn('### Rejections');
    expect(listed.filter((code) => !(reasonCodes as readonly string[]).includes(code))).toEqual([]);
    expect(listed).toEqual(expect.arrayContaining(['proposal_id_mismatch', 'agent_id_mismatch']));
  });

  it('names the topics and event types of the topic table', () => {
    const byName = new Map<string, string>(
      Object.values(topics).map((topic) => [topic.name, topic.eventType]),
    );
    for (const [name, type] of tableUnder('## Topics')) {
      expect(`${name} ${type}`).toBe(`\`${name?.slice(1, -1)}\` \`${byName.get(name?.slice(1, -1) ?? '')}\``);
    }
  });
});
