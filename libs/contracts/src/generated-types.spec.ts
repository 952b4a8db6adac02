import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('generated contract types', () => {
  it('match the JSON Schemas in schemas/ (run `npm run contracts:generate` after changing a schema)', () => {
    // The generator formats with Prettier 3, which Jest's module sandbox cannot load; run it as Node would.
    const repoRoot = join(__dirname, '..', '..', '..');
    const check = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'libs/contracts/scripts/generate-types.ts', '--check'],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' } },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
