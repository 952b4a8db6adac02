import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from './evaluate';
import { renderResults } from './report';

/**
 * Writes RESULTS.md beside this file:
 * npx ts-node --transpile-only -P tsconfig.json -r tsconfig-paths/register test/agentdojo/write-results.ts
 */
const target = join(__dirname, 'RESULTS.md');
writeFileSync(target, renderResults(evaluate()));
console.log(`wrote ${target}`);
