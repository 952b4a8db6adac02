#!/usr/bin/env node
// `npx airlock`: runs the CLI compiled by `npm run build` (dist/), which starts in a fraction of
// ts-node's time, unless a source file of the CLI is newer than it (a pull or an edit since the
// last build); then, as on a fresh clone after `npm ci`, the TypeScript source through ts-node.
'use strict';
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'deploy', 'local', 'cli');
const compiled = join(root, 'dist', 'deploy', 'local', 'cli', 'main.js');

function newestSourceTime(dir) {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? newestSourceTime(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
    ),
  );
}

if (existsSync(compiled) && statSync(compiled).mtimeMs >= newestSourceTime(source)) {
  require(join(root, 'deploy', 'local', 'register-paths.js'));
  require(compiled);
} else {
  try {
    require.resolve('ts-node');
  } catch {
    process.stderr.write(
      'airlock: the CLI is neither built (npm run build writes dist/) nor runnable from source (ts-node is missing: npm ci)\n',
    );
    process.exit(2);
  }
  require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
  const { compilerOptions } = require(join(root, 'tsconfig.base.json'));
  require('tsconfig-paths').register({ baseUrl: root, paths: compilerOptions.paths });
  require(join(source, 'main.ts'));
}
