import { join } from 'node:path';
import type { SupervisedProcess } from './process-supervisor';

export interface SupervisorArguments {
  logDir: string;
  pidDir: string;
  processes: SupervisedProcess[];
}

export const supervisorUsage =
  'usage: supervise-stack --log-dir DIR --pid-dir DIR --process NAME COMMAND [ARG...] [--process ...]';

/**
 * Reads `--log-dir DIR --pid-dir DIR --process NAME COMMAND [ARG...]`, the process repeated: the
 * arguments of a process run up to the next `--process`, so start.sh passes commands as they are.
 */
export function parseSupervisorArguments(argv: readonly string[]): SupervisorArguments {
  const fail = (problem: string): never => {
    throw new Error(`${problem}\n${supervisorUsage}`);
  };
  let logDir: string | undefined;
  let pidDir: string | undefined;
  const commands: { name: string; argv: string[] }[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index];
    const current = commands[commands.length - 1];
    if (token === '--process') {
      const name = argv[index + 1];
      if (!name || !/^[a-z0-9][a-z0-9-]*$/.test(name))
        fail(`--process needs a name (a-z, 0-9, -), got ${name}`);
      commands.push({ name: name as string, argv: [] });
      index += 1;
    } else if (current) {
      current.argv.push(token);
    } else if (token === '--log-dir' || token === '--pid-dir') {
      const value = argv[index + 1] ?? fail(`${token} needs a directory`);
      if (token === '--log-dir') logDir = value;
      else pidDir = value;
      index += 1;
    } else {
      fail(`unexpected argument ${token}`);
    }
  }
  if (!logDir) return fail('--log-dir is missing');
  if (!pidDir) return fail('--pid-dir is missing');
  if (commands.length === 0) fail('no --process given');
  const names = new Set<string>();
  const processes = commands.map(({ name, argv: [command, ...args] }) => {
    if (!command) fail(`--process ${name} has no command`);
    if (names.has(name)) fail(`--process ${name} is given twice`);
    names.add(name);
    return { name, command: command as string, args, logFile: join(logDir as string, `${name}.log`) };
  });
  return { logDir, pidDir, processes };
}
