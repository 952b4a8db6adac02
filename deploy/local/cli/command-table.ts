import type { Command } from './command';
import { agentCommands } from './commands/agent-commands';
import { approvalCommands } from './commands/approval-commands';
import { launchCommands } from './commands/launch-commands';
import { operatorCommands } from './commands/operator-commands';
import { policyCommands } from './commands/policy-commands';
import { runCommands } from './commands/run-commands';

/**
 * Every `airlock` command. A new one is a Command in a file of commands/ and its list here;
 * parsing, help, --json and exit codes follow.
 */
export const commandTable: readonly Command[] = [
  ...approvalCommands,
  ...launchCommands,
  ...runCommands,
  ...operatorCommands,
  ...policyCommands,
  ...agentCommands,
];
