import type { AuditReader } from '@airlock/audit-reading';
import type { AirlockApi } from './airlock-api';
import type { CliConfig } from './cli-config';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value is, in usage lines: `--since <time>`. */
  value?: string;
  help: string;
  /** A required option is checked before the command runs, so a command never starts half-told. */
  required?: boolean;
}

export interface Operand {
  name: string;
  /** How usage shows it when not as `<name>`, e.g. `<run|agent|team|global>`. */
  shown?: string;
  optional?: boolean;
}

export interface CommandInput {
  operands: Record<string, string | undefined>;
  options: Record<string, string | boolean | undefined>;
}

/** What a command found: `data` is printed for `--json`, `lines` for people. */
export interface CommandResult {
  data: unknown;
  lines: string[];
  /** 1 when the command checked something and it failed (verify, policy test). */
  exitCode?: 0 | 1;
}

/** What commands reach the world through, built once from the CLI's configuration. */
export interface CliContext {
  config: CliConfig;
  /** The example bundle of this checkout, the default of --bundle. */
  checkoutBundleDir: string;
  operatorApi(as: string | undefined): AirlockApi;
  budgetApi(as: string | undefined): AirlockApi;
  /** `mustName`: acting in someone's name (approve, deny) needs --as or a token, never a default. */
  approverApi(as: string | undefined, mustName: boolean): AirlockApi;
  auditReader(): AuditReader;
}

/** One row of the command table: `airlock <words...> <operands...> [options]`. */
export interface Command {
  words: readonly string[];
  operands?: readonly Operand[];
  options?: Readonly<Record<string, OptionSpec>>;
  summary: string;
  /** The heading `airlock help` lists it under. */
  group: string;
  run(input: CommandInput, context: CliContext): Promise<CommandResult>;
}
