import { parseArgs } from 'node:util';
import { CliError } from './cli-error';
import type { Command, CommandInput, OptionSpec } from './command';

export type CommandLine =
  { kind: 'help'; command?: Command } | { kind: 'run'; command: Command; input: CommandInput; json: boolean };

/** Options every command takes. */
const globalOptions: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', help: 'print the result as JSON, for scripts' },
  help: { type: 'boolean', help: 'say what the command does and takes' },
};

/**
 * Finds the command the words name (the longest match of the table) and reads its operands and
 * options. Anything it cannot read is a CliError whose message is the usage to follow.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): CommandLine {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const words = argv.slice(1).filter((word) => !word.startsWith('-'));
    if (words.length === 0) return { kind: 'help' };
    return { kind: 'help', command: matchCommand(words, commands) };
  }
  const command = matchCommand(argv, commands);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv.slice(command.words.length),
      options: {
        ...parseArgsOptions(command.options ?? {}),
        ...parseArgsOptions(globalOptions),
        h: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usageOf(command)}`);
  }
  const { values, positionals } = parsed;
  if (values['help'] === true || values['h'] === true) return { kind: 'help', command };
  const operands = command.operands ?? [];
  const needed = operands.filter((operand) => !operand.optional).length;
  if (positionals.length < needed || positionals.length > operands.length) {
    const count = positionals.length < needed ? 'too few' : 'too many';
    throw new CliError(`${count} arguments\n${usageOf(command)}`);
  }
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    if (spec.required && values[name] === undefined) {
      throw new CliError(`--${name} is required: ${spec.help}\n${usageOf(command)}`);
    }
  }
  const { json, help: _help, h: _h, ...options } = values;
  return {
    kind: 'run',
    command,
    json: json === true,
    input: {
      operands: Object.fromEntries(operands.map((operand, index) => [operand.name, positionals[index]])),
      options: options as CommandInput['options'],
    },
  };
}

function matchCommand(argv: readonly string[], commands: readonly Command[]): Command {
  const matches = commands.filter((command) => command.words.every((word, index) => argv[index] === word));
  const longest = matches.sort((a, b) => b.words.length - a.words.length)[0];
  if (longest !== undefined) return longest;
  const related = commands.filter((command) => command.words[0] === argv[0]);
  const said = argv
    .filter((word) => !word.startsWith('-'))
    .slice(0, 2)
    .join(' ');
  const listed = related.length > 0 ? related : commands;
  throw new CliError(
    `"${said}" is not an airlock command; ${related.length > 0 ? 'did you mean' : 'the commands are'}:\n` +
      listed.map((command) => `  ${synopsis(command)}`).join('\n') +
      '\n`airlock help` says more',
  );
}

function parseArgsOptions(specs: Readonly<Record<string, OptionSpec>>) {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }]));
}

/** `airlock halt <global|team|agent|tool|run> [id] --reason <why> [--as <operator>]` */
export function synopsis(command: Command): string {
  const operands = (command.operands ?? []).map((operand) =>
    operand.optional ? `[${operand.name}]` : `<${operand.shown ?? operand.name}>`,
  );
  const options = Object.entries(command.options ?? {}).map(([name, spec]) => {
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} <${spec.value ?? name}>`;
    return spec.required ? flag : `[${flag}]`;
  });
  return ['airlock', ...command.words, ...operands, ...options].join(' ');
}

/** What `airlock <command> --help` prints. */
export function usageOf(command: Command): string {
  const options = { ...(command.options ?? {}), ...globalOptions };
  const width = Math.max(...Object.keys(options).map((name) => name.length));
  return [
    `usage: ${synopsis(command)}`,
    `  ${command.summary}`,
    ...Object.entries(options).map(([name, spec]) => `  --${name.padEnd(width)}  ${spec.help}`),
  ].join('\n');
}

/** What `airlock help` prints: every command, by group, with what it does. */
export function overview(commands: readonly Command[]): string {
  const groups = [...new Set(commands.map((command) => command.group))];
  return [
    'usage: airlock <command> [options]   (airlock <command> --help for its options; --json on every command)',
    ...groups.flatMap((group) => [
      '',
      `${group}:`,
      ...commands
        .filter((command) => command.group === group)
        .flatMap((command) => [`  ${synopsis(command)}`, `      ${command.summary}`]),
    ]),
    '',
    'Exit codes: 0 done; 1 what was checked failed (verify, policy test); 2 usage, connection or a refused request.',
  ].join('\n');
}
