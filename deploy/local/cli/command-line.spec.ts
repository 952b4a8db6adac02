import { CliError } from './cli-error';
import type { Command } from './command';
import { overview, parseCommandLine, synopsis, usageOf } from './command-line';
import { commandTable } from './command-table';

const command = (words: string[], extra: Partial<Command> = {}): Command => ({
  words,
  group: 'Test',
  summary: `does ${words.join(' ')}`,
  run: async () => ({ data: null, lines: [] }),
  ...extra,
});

const halt = command(['halt'], {
  operands: [
    { name: 'kind', shown: 'global|run' },
    { name: 'id', optional: true },
  ],
  options: {
    reason: { type: 'string', value: 'why', help: 'why', required: true },
    as: { type: 'string', value: 'operator', help: 'who' },
  },
});
const entities = command(['entities']);
const entitySet = command(['entity', 'set'], { operands: [{ name: 'type' }, { name: 'id' }] });
const table = [halt, entities, entitySet];

function refusal(argv: string[]): string {
  try {
    parseCommandLine(argv, table);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was not refused`);
}

describe('parseCommandLine', () => {
  it('reads the operands by name and the options of the command, and --json anywhere after the words', () => {
    expect(parseCommandLine(['halt', 'run', 'r-1', '--json', '--reason', 'loops'], table)).toEqual({
      kind: 'run',
      command: halt,
      json: true,
      input: { operands: { kind: 'run', id: 'r-1' }, options: { reason: 'loops' } },
    });
  });

  it('leaves an optional operand out and --json off when not given', () => {
    const line = parseCommandLine(['halt', 'global', '--reason', 'incident'], table);
    expect(line).toMatchObject({
      kind: 'run',
      json: false,
      input: { operands: { kind: 'global', id: undefined } },
    });
  });

  it('picks the longest command the words name', () => {
    expect(parseCommandLine(['entity', 'set', 'User', 'u-1'], table)).toMatchObject({ command: entitySet });
  });

  it('answers help for no words, help, --help, help <command> and <command> --help', () => {
    expect(parseCommandLine([], table)).toEqual({ kind: 'help' });
    expect(parseCommandLine(['help'], table)).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--help'], table)).toEqual({ kind: 'help' });
    expect(parseCommandLine(['help', 'entity', 'set'], table)).toEqual({ kind: 'help', command: entitySet });
    expect(parseCommandLine(['halt', '--help'], table)).toEqual({ kind: 'help', command: halt });
    expect(parseCommandLine(['halt', '-h'], table)).toEqual({ kind: 'help', command: halt });
  });

  it('refuses an unknown command with the commands there are, or those of the same first word', () => {
    expect(refusal(['frobnicate'])).toMatch(
      /^"frobnicate" is not an airlock command; the commands are:\n {2}airlock halt/,
    );
    const message = refusal(['entity', 'frob']);
    expect(message).toContain(
      '"entity frob" is not an airlock command; did you mean:\n  airlock entity set <type> <id>',
    );
    expect(message).not.toContain('airlock halt');
  });

  it('refuses too few or too many operands, an unknown option and a missing required one, with the usage', () => {
    expect(refusal(['entity', 'set', 'User'])).toMatch(
      /^too few arguments\nusage: airlock entity set <type> <id>/,
    );
    expect(refusal(['entities', 'extra'])).toMatch(/^too many arguments\nusage: airlock entities/);
    expect(refusal(['entities', '--frob'])).toMatch(/Unknown option '--frob'[^]*usage: airlock entities/);
    expect(refusal(['halt', 'global'])).toMatch(/^--reason is required: why\nusage: airlock halt/);
    expect(refusal(['halt', 'global', '--reason'])).toMatch(/argument missing/);
  });
});

describe('help text', () => {
  it('writes a synopsis with required operands in <>, optional ones in [], and each option', () => {
    expect(synopsis(halt)).toBe('airlock halt <global|run> [id] --reason <why> [--as <operator>]');
  });

  it('lists the options with --json and --help in a command usage', () => {
    expect(usageOf(halt).split('\n')).toEqual([
      'usage: airlock halt <global|run> [id] --reason <why> [--as <operator>]',
      '  does halt',
      '  --reason  why',
      '  --as      who',
      '  --json    print the result as JSON, for scripts',
      '  --help    say what the command does and takes',
    ]);
  });

  it('lists every command of the real table, under its group, with the exit codes', () => {
    const text = overview(commandTable);
    for (const each of commandTable) expect(text).toContain(`  ${synopsis(each)}\n      ${each.summary}`);
    expect(text).toContain('Exit codes: 0 done; 1 what was checked failed');
  });

  it('has no two commands of the real table with the same words', () => {
    const names = commandTable.map((each) => each.words.join(' '));
    expect(new Set(names).size).toBe(names.length);
  });
});
