/**
 * Derives the TypeScript types of every event payload from schemas/events, so that a contract is
 * written once. `npm run contracts:generate` rewrites src/generated/events.ts; a unit test fails
 * when the committed file and the schemas disagree.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEventTypes } from './render-event-types';

const target = join(__dirname, '..', 'src', 'generated', 'events.ts');

renderEventTypes()
  .then((source) => {
    writeFileSync(target, source);
    process.stdout.write(`wrote ${target}\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(`could not generate event types: ${String(error)}\n`);
    process.exit(1);
  });
