import { CompactSign, importJWK, type JWK } from 'jose';
import type { AgentRecord, Proposal } from '@airlock/contracts';
import { generateSigningKey, type SigningKey } from '@airlock/attestation';
import { signProposal } from './proposal-signing';
import { verifySubmission } from './submission-verification';

interface TestAgent {
  record: AgentRecord;
  key: SigningKey;
}

async function makeAgent(id: string): Promise<TestAgent> {
  const { signingKey, publicJwk } = await generateSigningKey(`${id}-key-1`);
  const publicKey = {
    kty: 'OKP' as const,
    crv: 'Ed25519' as const,
    x: String(publicJwk.x),
    kid: signingKey.kid,
  };
  return { record: { id, owner: `${id}-owner`, public_keys: [publicKey] }, key: signingKey };
}

function proposalOf(agentId: string, overrides: Partial<Proposal> = {}): Proposal {
  return {
    proposal_id: 'prop-1',
    run_id: 'run-1',
    agent_id: agentId,
    tool: 'issue_refund',
    arguments: { order_id: 'o-1', amount_usd: 25 },
    issued_at: '2024-05-01T12:00:00Z',
    ...overrides,
  };
}

async function signRaw(
  payload: unknown,
  key: SigningKey,
  header: Record<string, unknown> = {},
): Promise<string> {
  const privateKey = await importJWK(key.privateJwk as JWK, 'EdDSA');
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, ...header })
    .sign(privateKey);
}

describe('verifySubmission', () => {
  let alice: TestAgent;
  let bob: TestAgent;
  let agents: Map<string, AgentRecord>;
  const envelope = { runid: 'run-1' };

  beforeAll(async () => {
    alice = await makeAgent('agent-alice');
    bob = await makeAgent('agent-bob');
    agents = new Map([alice, bob].map((agent) => [agent.record.id, agent.record]));
  });

  it('accepts a proposal signed with its agent registered key', async () => {
    const proposal = proposalOf('agent-alice');
    const verdict = await verifySubmission(
      { jws: await signProposal(proposal, alice.key) },
      envelope,
      agents,
    );
    expect(verdict).toEqual({ ok: true, proposal, agent: alice.record });
  });

  it('accepts a proposal signed with the second key during a rotation', async () => {
    const { signingKey, publicJwk } = await generateSigningKey('agent-alice-key-2');
    const rotated = {
      ...alice.record,
      public_keys: [
        ...alice.record.public_keys,
        { kty: 'OKP' as const, crv: 'Ed25519' as const, x: String(publicJwk.x), kid: 'agent-alice-key-2' },
      ],
    };
    const verdict = await verifySubmission(
      { jws: await signProposal(proposalOf('agent-alice'), signingKey) },
      envelope,
      new Map([[rotated.id, rotated]]),
    );
    expect(verdict.ok).toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['a string without dots', 'garbage'],
    ['two parts', 'abc.def'],
    ['an undecodable header', '!!!.e30.sig'],
    [
      'a payload that is not JSON',
      `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${Buffer.from('nope').toString('base64url')}.c2ln`,
    ],
  ])('refuses %s as an invalid submission', async (_label, jws) => {
    const verdict = await verifySubmission({ jws }, envelope, agents);
    expect(verdict).toMatchObject({ ok: false, code: 'invalid_submission' });
  });

  it('refuses an unsigned proposal (alg none) as a bad signature, still naming its ids', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: alice.key.kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(proposalOf('agent-alice'))).toString('base64url');
    const verdict = await verifySubmission({ jws: `${header}.${payload}.AAAA` }, envelope, agents);
    expect(verdict).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'proposal is not signed with EdDSA',
      proposal_id: 'prop-1',
      agent_id: 'agent-alice',
    });
  });

  it('refuses a payload that fails the proposal schema, with the schema message and readable ids', async () => {
    const invalid = { ...proposalOf('agent-alice'), arguments: 'refund everything' };
    const verdict = await verifySubmission({ jws: await signRaw(invalid, alice.key) }, envelope, agents);
    expect(verdict).toEqual({
      ok: false,
      code: 'invalid_proposal',
      reason: expect.stringContaining('/arguments must be object'),
      proposal_id: 'prop-1',
      agent_id: 'agent-alice',
    });
  });

  it('refuses a proposal from an agent that is not registered', async () => {
    const verdict = await verifySubmission(
      { jws: await signProposal(proposalOf('agent-carol'), alice.key) },
      envelope,
      agents,
    );
    expect(verdict).toMatchObject({
      ok: false,
      code: 'unknown_agent',
      reason: 'agent agent-carol is not registered',
    });
  });

  it('refuses a proposal signed with a key of another agent', async () => {
    const verdict = await verifySubmission(
      { jws: await signProposal(proposalOf('agent-alice'), bob.key) },
      envelope,
      agents,
    );
    expect(verdict).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'key id agent-bob-key-1 is not registered for agent agent-alice',
      proposal_id: 'prop-1',
      agent_id: 'agent-alice',
    });
  });

  it("refuses another agent's key presented under this agent's key id", async () => {
    const impostor: SigningKey = { kid: alice.key.kid, privateJwk: bob.key.privateJwk };
    const verdict = await verifySubmission(
      { jws: await signProposal(proposalOf('agent-alice'), impostor) },
      envelope,
      agents,
    );
    expect(verdict).toMatchObject({
      ok: false,
      code: 'bad_signature',
      reason: 'signature does not verify with key agent-alice-key-1 of agent agent-alice',
    });
  });

  it('refuses a proposal without a key id', async () => {
    const privateKey = await importJWK(alice.key.privateJwk as JWK, 'EdDSA');
    const jws = await new CompactSign(Buffer.from(JSON.stringify(proposalOf('agent-alice'))))
      .setProtectedHeader({ alg: 'EdDSA' })
      .sign(privateKey);
    const verdict = await verifySubmission({ jws }, envelope, agents);
    expect(verdict).toMatchObject({
      ok: false,
      code: 'bad_signature',
      reason: 'key id undefined is not registered for agent agent-alice',
    });
  });

  it('refuses a payload tampered with after signing', async () => {
    const [header, , signature] = (await signProposal(proposalOf('agent-alice'), alice.key)).split('.');
    const tampered = Buffer.from(
      JSON.stringify(proposalOf('agent-alice', { arguments: { order_id: 'o-1', amount_usd: 2500 } })),
    ).toString('base64url');
    const verdict = await verifySubmission({ jws: `${header}.${tampered}.${signature}` }, envelope, agents);
    expect(verdict).toMatchObject({
      ok: false,
      code: 'bad_signature',
      proposal_id: 'prop-1',
      agent_id: 'agent-alice',
    });
  });

  it('refuses a proposal submitted on another run than the one it names', async () => {
    const jws = await signProposal(proposalOf('agent-alice', { run_id: 'run-2' }), alice.key);
    const verdict = await verifySubmission({ jws }, envelope, agents);
    expect(verdict).toEqual({
      ok: false,
      code: 'run_mismatch',
      reason: 'proposal is for run run-2 but was submitted on run run-1',
      proposal_id: 'prop-1',
      agent_id: 'agent-alice',
    });
  });

  it('refuses an unencoded (b64: false) JWS, whose signed bytes are not the decoded proposal', async () => {
    // Signing the base64url text itself unencoded yields a JWS whose signature is valid but whose
    // signed bytes are that text, not the proposal that base64url decoding would act on.
    const encodedProposal = Buffer.from(JSON.stringify(proposalOf('agent-alice'))).toString('base64url');
    const privateKey = await importJWK(alice.key.privateJwk as JWK, 'EdDSA');
    const jws = await new CompactSign(Buffer.from(encodedProposal))
      .setProtectedHeader({ alg: 'EdDSA', kid: alice.key.kid, b64: false, crit: ['b64'] })
      .sign(privateKey);
    const [header, , signature] = jws.split('.'); // jose detaches an unencoded payload; attach it
    const verdict = await verifySubmission(
      { jws: `${header}.${encodedProposal}.${signature}` },
      envelope,
      agents,
    );
    expect(verdict).toMatchObject({
      ok: false,
      code: 'bad_signature',
      reason: 'signed payload differs from the submitted payload',
    });
  });
});

describe('unsigned submissions', () => {
  it('refuses a JWS without a signature as bad_signature, not as malformed input', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ proposal_id: 'p1' })).toString('base64url');
    const verdict = await verifySubmission({ jws: `${header}.${payload}.` }, { runid: 'r1' }, new Map());
    expect(verdict).toMatchObject({
      ok: false,
      code: 'bad_signature',
      reason: expect.stringContaining('not signed'),
    });
  });
});
