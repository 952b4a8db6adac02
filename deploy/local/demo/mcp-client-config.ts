// Writes what an MCP client needs to reach the local Airlock as the agent support-triage, in the
// `mcpServers` form most clients read, into deploy/local/.generated/mcp-client.json (mode 0600: it
// holds the agent's token): over HTTP through the gateway `npm start` runs, and over stdio as a
// child process the client starts. Each run opens a fresh run (a ticket from the local launcher
// support-desk, valid for its max_run_seconds); run it again for a new run.
//   node -r ./deploy/local/register-paths.js dist/deploy/local/demo/mcp-client-config.js [repo root] [gateway port]
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBundle, readSigningKey, readStringMap, secretsLayout } from '@airlock/bundle';
import { signedRunTicket } from '@airlock/sdk';

const agentId = 'support-triage';
const launcherId = 'support-desk';
const submitterId = 'mcp-gateway';

function main(): void {
  const repoRoot = resolve(process.argv[2] ?? process.cwd());
  const port = process.argv[3] ?? '7302';
  const generated = join(repoRoot, 'deploy', 'local', '.generated');
  const bundleDir = join(generated, 'bundle');
  const secretsDir = join(generated, 'secrets');
  const layout = secretsLayout(secretsDir);
  const launcher = loadBundle(bundleDir).launchers.get(launcherId);
  const runId = `mcp-${new Date()
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}`;
  const ticket = signedRunTicket(
    launcherId,
    readSigningKey(layout.launcherKeyFile(launcherId)),
    { run_id: runId, agent_id: agentId, user_id: 'local-user', labels: ['mcp'] },
    launcher?.max_run_seconds ?? 3600,
  );
  const token = readStringMap(layout.submitterTokensFile, 'submitter tokens')[`${submitterId}/${agentId}`];
  const config = {
    mcpServers: {
      airlock: {
        type: 'http',
        url: `http://127.0.0.1:${port}/mcp`,
        headers: { Authorization: `Bearer ${token}`, 'X-Airlock-Run-Ticket': ticket },
      },
      'airlock-stdio': {
        type: 'stdio',
        command: process.execPath,
        args: [
          '-r',
          join(repoRoot, 'deploy/local/register-paths.js'),
          join(repoRoot, 'dist/services/mcp-gateway/src/main-stdio.js'),
        ],
        env: {
          AIRLOCK_KAFKA_BROKERS: process.env['AIRLOCK_KAFKA_BROKERS'] ?? '127.0.0.1:19092',
          AIRLOCK_BUNDLE_DIR: bundleDir,
          AIRLOCK_SECRETS_DIR: secretsDir,
          AIRLOCK_MCP_AGENT_ID: agentId,
          AIRLOCK_MCP_RUN_TICKET: ticket,
        },
      },
    },
  };
  const file = join(generated, 'mcp-client.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  process.stdout.write(`[airlock] MCP client configuration for run ${runId}: ${file}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(
    `[airlock] ERROR: could not write the MCP client configuration: ${String(error instanceof Error ? error.message : error)}\n`,
  );
  process.exit(1);
}
