/**
 * Derives the TypeScript types of every event payload and bundle file from schemas/, so that a
 * contract is written once. `npm run contracts:generate` rewrites src/generated/events.ts;
 * with `--check` it only reports whether the committed file is current (a unit test runs that).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEventTypes } from './render-event-types';

const target = join(__dirname, '..', 'src', 'generated', 'events.ts');
const checkOnly = process.argv.includes('--check');

renderEventTypes()
  .then((source) => {
    if (!checkOnly) {
      writeFileSync(target, source);
      process.stdout.write(`wrote ${target}\n`);
    } else if (readFileSync(target, 'utf8') !== source) {
      process.stderr.write(`${target} is stale: run npm run contracts:generate\n`);
      process.exit(1);
    }
  })
  .catch((error: unknown) => {
    process.stderr.write(`could not generate event types: ${String(error)}\n`);
    process.exit(1);
  });
