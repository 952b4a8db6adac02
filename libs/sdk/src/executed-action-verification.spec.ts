import { attestEvent, generateGateKeys, publishedJwks, type GateKeys, type Jwks } from '@airlock/attestation';
import { buildEnvelope, type ActionExecuted } from '@airlock/contracts';
import { verifyExecutedAction } from './executed-action-verification';

let gates: GateKeys;
let jwks: Jwks;

beforeAll(async () => {
  gates = await generateGateKeys();
  jwks = publishedJwks(gates.keyring);
});

const action: ActionExecuted = {
  proposal_id: 'p-1',
  run_id: 'run-1',
  agent_id: 'support-triage',
  tool: 'tickets.create',
  idempotency_key: 'k-1',
  status_code: 201,
  response: { id: 'T-1' },
  cost_usd: 0.01,
  bundle_hash: 'a'.repeat(64),
};

const executed = (signer: keyof GateKeys['keys'] = 'executor') =>
  attestEvent(
    gates.keys[signer],
    signer,
    buildEnvelope(
      'actionsExecuted',
      'airlock/executor',
      { runId: 'run-1', proposalId: 'p-1', dedupKey: 'p-1' },
      action,
    ),
  );

describe('verifyExecutedAction', () => {
  it('returns the action of an event the executor attested, given as JSON or parsed', async () => {
    const event = await executed();
    expect(await verifyExecutedAction(event, jwks)).toMatchObject({ ok: true, action });
    expect(await verifyExecutedAction(Buffer.from(JSON.stringify(event)), jwks)).toMatchObject({
      ok: true,
      action,
    });
  });

  it('refuses an event changed after the executor attested it', async () => {
    const event = await executed();
    const changed = { ...event, data: { ...event.data, response: { id: 'T-2' } } };
    expect(await verifyExecutedAction(changed, jwks)).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
    });
  });

  it("refuses an event another gate's key attested, and one with no attestation", async () => {
    expect(await verifyExecutedAction(await executed('policy'), jwks)).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
    });
    const { attestation: _dropped, ...bare } = await executed();
    expect(await verifyExecutedAction(bare, jwks)).toMatchObject({ ok: false, code: 'missing_attestation' });
  });

  it('refuses what is not JSON', async () => {
    expect(await verifyExecutedAction('{nope', jwks)).toMatchObject({ ok: false, code: 'not_json' });
  });
});
