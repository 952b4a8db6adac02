import type { Command } from './command';
import { agentCommands } from './commands/agent-commands';
import { approvalCommands } from './commands/approval-commands';
import { operatorCommands } from './commands/operator-commands';
import { policyCommands } from './commands/policy-commands';
import { runCommands } from './commands/run-commands';

/**
 * Every `airlock` command. A new one (opening or closing a run, proposing, once the SDK can) is a
 * Command in a file of commands/ and its list here; parsing, help, --json and exit codes follow.
 */
export const commandTable: readonly Command[] = [
  ...approvalCommands,
  ...runCommands,
  ...operatorCommands,
  ...policyCommands,
  ...agentCommands,
];
