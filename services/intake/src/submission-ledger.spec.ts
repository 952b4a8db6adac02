import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import { SubmissionLedger, submissionLedgerMigrations } from './submission-ledger';

// A store test runs against the real PostgreSQL, in a schema of its own that it drops at the end.
const schema = new TestStoreSchema(
  'intake',
  submissionLedgerMigrations,
  loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL,
);
const hashA = 'a'.repeat(64);
const hashB = 'b'.repeat(64);

jest.setTimeout(20_000);

let ledger: SubmissionLedger;

beforeAll(async () => {
  ledger = new SubmissionLedger(await schema.open());
});

afterAll(() => schema.drop());

describe('SubmissionLedger', () => {
  it('accepts a proposal id once and recognises the same submission delivered again', async () => {
    expect(await ledger.claim('p-1', 'sub-1', 'run-1', hashA)).toEqual({ status: 'new' });
    expect(await ledger.claim('p-1', 'sub-1', 'run-1', hashA)).toEqual({ status: 'redelivered' });
  });

  it('calls a new submission of an accepted id a replay', async () => {
    await ledger.claim('p-2', 'sub-2', 'run-1', hashA);
    expect(await ledger.claim('p-2', 'sub-3', 'run-1', hashA)).toEqual({ status: 'replayed' });
  });

  it('calls other content under the same submission and proposal ids a replay, never a redelivery', async () => {
    await ledger.claim('p-3', 'sub-4', 'run-1', hashA);
    expect(await ledger.claim('p-3', 'sub-4', 'run-1', hashB)).toEqual({ status: 'replayed' });
  });

  it('keeps the halt a proposal was first claimed under, so a redelivery after a resume is still halted', async () => {
    const halted = { reason_code: 'agent_halted', reason: 'agent a was halted by olivia' };
    expect(await ledger.claim('p-halt', 'sub-h', 'run-1', hashA, halted)).toEqual({ status: 'new', halted });
    // Redelivered when nothing is halted any more: the first answer stands.
    expect(await ledger.claim('p-halt', 'sub-h', 'run-1', hashA)).toEqual({ status: 'redelivered', halted });
    // And a proposal claimed before a halt is not halted by a redelivery during one.
    await ledger.claim('p-before', 'sub-b', 'run-1', hashA);
    expect(await ledger.claim('p-before', 'sub-b', 'run-1', hashA, halted)).toEqual({
      status: 'redelivered',
    });
  });

  it('lets exactly one of many racing submissions of one id be new', async () => {
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, index) => ledger.claim('p-race', `sub-race-${index}`, 'run-1', hashA)),
    );
    expect(claims.filter((claim) => claim.status === 'new')).toHaveLength(1);
    expect(claims.filter((claim) => claim.status === 'replayed')).toHaveLength(9);
  });
});
