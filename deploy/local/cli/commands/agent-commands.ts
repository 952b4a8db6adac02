import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BundleError, registerAgentKey } from '@airlock/bundle';
import { CliError } from '../cli-error';
import type { Command } from '../command';

const group = 'Agents';

export const agentCommands: readonly Command[] = [
  {
    words: ['agent', 'register'],
    operands: [{ name: 'agent_id' }],
    options: {
      owner: { type: 'string', value: 'approver', help: 'its owner, to create the record of a new agent' },
      team: { type: 'string', value: 'team', help: 'its team, for a new agent' },
      bundle: {
        type: 'string',
        value: 'dir',
        help: "the bundle whose agents/ gets the key (default: this checkout's deploy/bundle)",
      },
    },
    group,
    summary: "a new key pair: the private key into the local secrets, the public key into the agent's record",
    async run(input, context) {
      const bundleDir = resolve((input.options['bundle'] as string | undefined) ?? context.checkoutBundleDir);
      const agentId = input.operands['agent_id'] ?? '';
      if (input.options['owner'] === undefined && !existsSync(join(bundleDir, 'agents', `${agentId}.json`))) {
        throw new CliError(
          `${bundleDir} has no agent ${agentId}: create it with --owner <approver> [--team <team>]`,
        );
      }
      let registered;
      try {
        registered = registerAgentKey({
          bundleDir,
          secretsDir: context.config.AIRLOCK_SECRETS_DIR,
          agentId,
          ...(input.options['owner'] === undefined ? {} : { owner: input.options['owner'] as string }),
          ...(input.options['team'] === undefined ? {} : { team: input.options['team'] as string }),
        });
      } catch (error) {
        if (error instanceof BundleError) throw new CliError(error.message);
        throw error;
      }
      const { kid, recordFile, privateKeyFile, replacedKeyFile, listedKids, createdRecord } = registered;
      const shown = (path: string) => relative(process.cwd(), path) || path;
      return {
        data: {
          agent_id: agentId,
          kid,
          public_jwk: registered.publicJwk,
          record_file: recordFile,
          private_key_file: privateKeyFile,
          replaced_key_file: replacedKeyFile ?? null,
          listed_kids: listedKids,
          created_record: createdRecord,
        },
        lines: [
          `${createdRecord ? 'created' : 'changed'} ${shown(recordFile)}: public key ${kid} added; it lists ${listedKids.join(', ')}`,
          `private key (kid ${kid}): ${shown(privateKeyFile)}; keep it secret, the agent signs its proposals with it`,
          ...(replacedKeyFile === undefined
            ? []
            : [`the private key it replaces is kept in ${shown(replacedKeyFile)}`]),
          'next:',
          `  - review and commit ${shown(recordFile)}: the bundle changed`,
          ...(createdRecord
            ? [`  - allow what ${agentId} may do in policies/*.cedar (principal Agent::"${agentId}")`]
            : []),
          '  - restart Airlock (Ctrl-C, then npm start): the services read the bundle when they start',
        ],
      };
    },
  },
];
