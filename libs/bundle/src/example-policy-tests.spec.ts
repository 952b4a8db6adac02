import { join } from 'node:path';
import { createPolicyEngine, runPolicyTests } from '@airlock/policy-engine';
import { loadBundle, loadPolicyTests } from './load-bundle';

const exampleBundleDir = join(__dirname, '../../../deploy/bundle');

describe("the example bundle's policy cases (tests/)", () => {
  const bundle = loadBundle(exampleBundleDir);
  const engine = createPolicyEngine({
    policies: bundle.policies,
    tools: bundle.tools,
    entities: bundle.entities,
  });
  const suites = loadPolicyTests(exampleBundleDir);
  const results = runPolicyTests(engine, bundle, suites);

  it('has cases', () => {
    expect(results.length).toBeGreaterThanOrEqual(4);
  });

  it.each(results.map((result) => [`${result.file}: ${result.name}`, result.failure]))(
    '%s',
    (_name, failure) => {
      expect(failure).toBeUndefined();
    },
  );

  it('fails a case whose expectation the policies do not meet, saying what they decided', () => {
    const [first] = suites[0].cases;
    const wrong = { ...first, expect: { decision: 'deny' as const } };
    const [result] = runPolicyTests(engine, bundle, [{ file: 'x.json', cases: [wrong] }]);
    expect(result.failure).toMatch(/^expected deny, got allow by \[support-may-open-tickets\]/);
  });
});
