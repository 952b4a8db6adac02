import { maxSubmissionBytes } from '@airlock/contracts';
import { loadConfig } from '@airlock/service-runtime';
import { IntakeConfig } from './intake.config';

const required = {
  AIRLOCK_KAFKA_BROKERS: '127.0.0.1:19092',
  AIRLOCK_BUNDLE_DIR: '/bundle',
  AIRLOCK_SECRETS_DIR: '/secrets',
  AIRLOCK_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/airlock',
};

describe('IntakeConfig', () => {
  it("refuses submissions above the protocol's limit by default, the one the schema states", () => {
    expect(maxSubmissionBytes).toBe(65_536);
    expect(loadConfig(IntakeConfig, required).AIRLOCK_MAX_PROPOSAL_BYTES).toBe(maxSubmissionBytes);
  });

  it('lets an operator lower the size limit but refuses to start with one above the protocol', () => {
    expect(
      loadConfig(IntakeConfig, { ...required, AIRLOCK_MAX_PROPOSAL_BYTES: '32768' })
        .AIRLOCK_MAX_PROPOSAL_BYTES,
    ).toBe(32_768);
    expect(() => loadConfig(IntakeConfig, { ...required, AIRLOCK_MAX_PROPOSAL_BYTES: '262144' })).toThrow(
      /AIRLOCK_MAX_PROPOSAL_BYTES may only lower the protocol's limit of 65536 bytes/,
    );
  });
});
