// Generates the local development bundle and secrets for `npm start` (idempotent: existing keys
// and tokens are reused) and points every tool destination at the local stand-in API.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assembleLocalBundle } from '@airlock/bundle';

async function main(): Promise<void> {
  const repoRoot = resolve(process.argv[2] ?? process.cwd());
  const standInUrl = process.argv[3] ?? 'http://127.0.0.1:7400';
  const generated = join(repoRoot, 'deploy', 'local', '.generated');
  const paths = await assembleLocalBundle({
    sourceDir: join(repoRoot, 'deploy', 'bundle'),
    outDir: join(generated, 'bundle'),
    secretsDir: join(generated, 'secrets'),
  });
  writeFileSync(
    paths.destinationsFile,
    `${JSON.stringify({ helpdesk: standInUrl, payments: standInUrl, mailer: standInUrl }, null, 2)}\n`,
    { mode: 0o600 },
  );
  process.stdout.write(`[airlock] bundle: ${paths.bundleDir}\n[airlock] secrets: ${paths.secretsDir}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[airlock] ERROR: could not prepare the local bundle: ${String(error instanceof Error ? error.message : error)}\n`,
  );
  process.exit(1);
});
