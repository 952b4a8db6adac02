import { CompactSign, importJWK, type JWK } from 'jose';
import type { AgentRecord, Proposal, SubmitterRecord } from '@airlock/contracts';
import { generateSigningKey, type SigningKey } from '@airlock/attestation';
import { signProposal } from './proposal-signing';
import {
  defaultFreshnessWindow,
  verifySubmission,
  type SubmissionVerificationOptions,
} from './submission-verification';

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

/** Signs exactly this text, so a test can sign JSON that JSON.stringify would never write (1e400). */
async function signText(
  text: string,
  key: SigningKey,
  header: Record<string, unknown> = {},
): Promise<string> {
  const privateKey = await importJWK(key.privateJwk as JWK, 'EdDSA');
  return new CompactSign(Buffer.from(text))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, ...header })
    .sign(privateKey);
}

async function signRaw(
  payload: unknown,
  key: SigningKey,
  header: Record<string, unknown> = {},
): Promise<string> {
  return signText(JSON.stringify(payload), key, header);
}

/** `depth` objects nested in one another, as JSON text. */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** One minute after the fixtures' issued_at: inside the default freshness window. */
const intakeClock = new Date('2024-05-01T12:01:00Z');
const atIntakeClock: SubmissionVerificationOptions = { now: intakeClock };
const envelope = { runid: 'run-1' };

let alice: TestAgent;
let bob: TestAgent;
let agents: Map<string, AgentRecord>;

beforeAll(async () => {
  alice = await makeAgent('agent-alice');
  bob = await makeAgent('agent-bob');
  agents = new Map([alice, bob].map((agent) => [agent.record.id, agent.record]));
});

function verify(jws: string, options: SubmissionVerificationOptions = atIntakeClock) {
  return verifySubmission({ jws }, envelope, agents, options);
}

describe('verifySubmission', () => {
  it('accepts a proposal signed with its agent registered key', async () => {
    const proposal = proposalOf('agent-alice');
    const verdict = await verify(await signProposal(proposal, alice.key));
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
      atIntakeClock,
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
    [
      'a payload that is not UTF-8',
      `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${Buffer.from([0x22, 0xff, 0x22]).toString('base64url')}.c2ln`,
    ],
  ])('refuses %s as an invalid submission', async (_label, jws) => {
    const verdict = await verify(jws);
    expect(verdict).toMatchObject({ ok: false, code: 'invalid_submission' });
  });

  it('refuses an unsigned proposal (alg none) as a bad signature, naming no ids', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: alice.key.kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(proposalOf('agent-alice'))).toString('base64url');
    const verdict = await verify(`${header}.${payload}.AAAA`);
    expect(verdict).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'proposal is not signed with EdDSA',
    });
  });

  it('refuses a payload that fails the proposal schema, with the schema message and no ids', async () => {
    const invalid = { ...proposalOf('agent-alice'), arguments: 'refund everything' };
    const verdict = await verify(await signRaw(invalid, alice.key));
    expect(verdict).toEqual({
      ok: false,
      code: 'invalid_proposal',
      reason: expect.stringContaining('/arguments must be object'),
    });
  });

  it('refuses a proposal from an agent that is not registered, naming no ids', async () => {
    const verdict = await verify(await signProposal(proposalOf('agent-carol'), alice.key));
    expect(verdict).toEqual({
      ok: false,
      code: 'unknown_agent',
      reason: 'agent agent-carol is not registered',
    });
  });

  it('refuses a proposal signed with a key of another agent, naming no ids', async () => {
    const verdict = await verify(await signProposal(proposalOf('agent-alice'), bob.key));
    expect(verdict).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'key id agent-bob-key-1 is not registered for agent agent-alice',
    });
  });

  it("refuses another agent's key presented under this agent's key id", async () => {
    const impostor: SigningKey = { kid: alice.key.kid, privateJwk: bob.key.privateJwk };
    const verdict = await verify(await signProposal(proposalOf('agent-alice'), impostor));
    expect(verdict).toEqual({
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
    expect(await verify(jws)).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'key id (none) is not registered for agent agent-alice',
    });
  });

  it('does not quote an unregistered key id that is not an identifier', async () => {
    const jws = await signProposal(proposalOf('agent-alice'), {
      ...alice.key,
      kid: `<script>${'x'.repeat(500)}`,
    });
    expect(await verify(jws)).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'key id (not an identifier) is not registered for agent agent-alice',
    });
  });

  it('refuses a payload tampered with after signing, naming no ids', async () => {
    const [header, , signature] = (await signProposal(proposalOf('agent-alice'), alice.key)).split('.');
    const tampered = Buffer.from(
      JSON.stringify(proposalOf('agent-alice', { arguments: { order_id: 'o-1', amount_usd: 2500 } })),
    ).toString('base64url');
    const verdict = await verify(`${header}.${tampered}.${signature}`);
    expect(verdict).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'signature does not verify with key agent-alice-key-1 of agent agent-alice',
    });
  });

  it('refuses a proposal submitted on another run than the one it names, with its verified ids', async () => {
    const verdict = await verify(
      await signProposal(proposalOf('agent-alice', { run_id: 'run-2' }), alice.key),
    );
    expect(verdict).toEqual({
      ok: false,
      code: 'run_mismatch',
      reason: 'proposal is for run run-2 but was submitted on run run-1',
      proposal_id: 'prop-1',
      agent_id: 'agent-alice',
    });
  });

  it("accepts an envelope whose proposalid and agentid are the signed proposal's, or absent", async () => {
    const jws = await signProposal(proposalOf('agent-alice'), alice.key);
    const named = { runid: 'run-1', proposalid: 'prop-1', agentid: 'agent-alice' };
    expect(await verifySubmission({ jws }, named, agents, atIntakeClock)).toMatchObject({ ok: true });
    expect(await verifySubmission({ jws }, { runid: 'run-1' }, agents, atIntakeClock)).toMatchObject({
      ok: true,
    });
  });

  it.each([
    [
      'proposalid',
      { proposalid: 'prop-someone-elses' },
      'proposal_id_mismatch',
      "the envelope's proposalid prop-someone-elses is not the signed proposal's id prop-1",
    ],
    [
      'agentid',
      { agentid: 'agent-bob' },
      'agent_id_mismatch',
      "the envelope's agentid agent-bob is not the signed proposal's agent agent-alice",
    ],
  ])(
    "refuses an envelope whose %s is not the signed proposal's, with the verified ids",
    async (_attribute, attributes, code, reason) => {
      const jws = await signProposal(proposalOf('agent-alice'), alice.key);
      const verdict = await verifySubmission(
        { jws },
        { runid: 'run-1', ...attributes },
        agents,
        atIntakeClock,
      );
      expect(verdict).toEqual({ ok: false, code, reason, proposal_id: 'prop-1', agent_id: 'agent-alice' });
    },
  );

  it('refuses an unencoded (b64: false) JWS, whose signed bytes are not the decoded proposal', async () => {
    // Signing the base64url text itself unencoded yields a JWS whose signature is valid but whose
    // signed bytes are that text, not the proposal that base64url decoding would act on.
    const encodedProposal = Buffer.from(JSON.stringify(proposalOf('agent-alice'))).toString('base64url');
    const privateKey = await importJWK(alice.key.privateJwk as JWK, 'EdDSA');
    const jws = await new CompactSign(Buffer.from(encodedProposal))
      .setProtectedHeader({ alg: 'EdDSA', kid: alice.key.kid, b64: false, crit: ['b64'] })
      .sign(privateKey);
    const [header, , signature] = jws.split('.'); // jose detaches an unencoded payload; attach it
    expect(await verify(`${header}.${encodedProposal}.${signature}`)).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'signed payload differs from the submitted payload',
    });
  });

  it('refuses a JWS without a signature as bad_signature, not as malformed input', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ proposal_id: 'p1' })).toString('base64url');
    expect(await verify(`${header}.${payload}.`)).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'proposal is not signed: its JWS carries no signature',
    });
  });
});

describe('input hygiene of the signed proposal', () => {
  const withArguments = (args: string) =>
    JSON.stringify(proposalOf('agent-alice')).replace('{"order_id":"o-1","amount_usd":25}', args);

  it.each([
    ['a lone surrogate', '{"body":"\\ud800"}', 'lone_surrogate', '$.arguments.body'],
    ['U+0000 in a string', '{"body":"a\\u0000b"}', 'nul_character', '$.arguments.body'],
    ['U+0000 in a key', '{"a\\u0000":1}', 'nul_character', '$.arguments["a\\u0000"]'],
    [
      'a number JSON.parse reads as Infinity',
      '{"amount_usd":1e400}',
      'number_not_finite',
      '$.arguments.amount_usd',
    ],
    ['nesting 2,000 deep', nestedJson(2_000), 'nesting_too_deep', '$.arguments'],
    [
      'a string over 32,768 characters',
      `{"body":"${'x'.repeat(32_769)}"}`,
      'string_too_long',
      '$.arguments.body',
    ],
    [
      'an array over 1,000 items',
      `{"ids":[${Array(1_001).fill(1).join(',')}]}`,
      'array_too_long',
      '$.arguments.ids',
    ],
    [
      'an object over 256 keys',
      JSON.stringify(Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, i]))),
      'too_many_keys',
      '$.arguments',
    ],
    [
      'over 10,000 values in total',
      JSON.stringify({ rows: Array.from({ length: 20 }, () => Array(600).fill(0)) }),
      'too_many_values',
      '$.arguments.rows',
    ],
  ])(
    'refuses a correctly signed proposal holding %s, with the code and path, naming no ids',
    async (_label, args, code, path) => {
      const verdict = await verify(await signText(withArguments(args), alice.key));
      expect(verdict).toEqual({
        ok: false,
        code,
        reason: expect.stringContaining(`in the proposal, ${path}`),
      });
    },
  );

  it('checks hygiene before the schema: a payload failing both reports the hygiene code', async () => {
    const verdict = await verify(await signRaw({ proposal_id: 'a\u0000', unexpected: true }, alice.key));
    expect(verdict).toMatchObject({ ok: false, code: 'nul_character' });
  });

  it('checks hygiene before any key is imported: an agent whose key cannot be imported still gets the hygiene code', async () => {
    const broken = { ...alice.record, public_keys: [{ ...alice.record.public_keys[0], x: 'not-a-key' }] };
    const jws = await signText(withArguments('{"body":"\\udfff"}'), alice.key);
    const verdict = await verifySubmission({ jws }, envelope, new Map([[broken.id, broken]]), atIntakeClock);
    expect(verdict).toMatchObject({ ok: false, code: 'lone_surrogate' });
  });

  it('refuses a JWS header holding U+0000, since its key id is quoted in reasons', async () => {
    const jws = await signProposal(proposalOf('agent-alice'), { ...alice.key, kid: 'key\u0000' });
    expect(await verify(jws)).toEqual({
      ok: false,
      code: 'nul_character',
      reason: 'in the JWS header, $.kid is a string holding U+0000',
    });
  });

  it('accepts well-formed but unusual text: surrogate pairs, U+FFFE, U+FEFF', async () => {
    const proposal = proposalOf('agent-alice', { arguments: { note: '😀\uFFFE\uFEFF\u2028' } });
    expect(await verify(await signProposal(proposal, alice.key))).toMatchObject({ ok: true, proposal });
  });
});

describe('freshness of issued_at', () => {
  const issuedAt = Date.parse('2024-05-01T12:00:00Z');
  const clockAt = (offsetMs: number): SubmissionVerificationOptions => ({
    now: new Date(issuedAt + offsetMs),
  });
  const signedFixture = () => signProposal(proposalOf('agent-alice'), alice.key);
  const ids = { proposal_id: 'prop-1', agent_id: 'agent-alice' };

  it('defaults to five minutes of age and one minute ahead', () => {
    expect(defaultFreshnessWindow).toEqual({ maxAgeSeconds: 300, maxFutureSeconds: 60 });
  });

  it('accepts a proposal exactly maxAge old and refuses one a millisecond older, with its verified ids', async () => {
    const jws = await signedFixture();
    expect(await verify(jws, clockAt(300_000))).toMatchObject({ ok: true });
    expect(await verify(jws, clockAt(300_001))).toEqual({
      ok: false,
      code: 'issued_at_too_old',
      reason: "issued_at 2024-05-01T12:00:00Z is 300.001 s before intake's clock; the limit is 300 s",
      ...ids,
    });
  });

  it('accepts a proposal exactly maxFuture ahead and refuses one a millisecond further', async () => {
    const jws = await signedFixture();
    expect(await verify(jws, clockAt(-60_000))).toMatchObject({ ok: true });
    expect(await verify(jws, clockAt(-60_001))).toEqual({
      ok: false,
      code: 'issued_at_in_future',
      reason: "issued_at 2024-05-01T12:00:00Z is 60.001 s after intake's clock; the limit is 60 s",
      ...ids,
    });
  });

  it('applies a configured window', async () => {
    const jws = await signedFixture();
    const freshness = { maxAgeSeconds: 10, maxFutureSeconds: 0 };
    expect(await verify(jws, { ...clockAt(10_000), freshness })).toMatchObject({ ok: true });
    expect(await verify(jws, { ...clockAt(10_001), freshness })).toMatchObject({ code: 'issued_at_too_old' });
    expect(await verify(jws, { ...clockAt(0), freshness })).toMatchObject({ ok: true });
    expect(await verify(jws, { ...clockAt(-1), freshness })).toMatchObject({ code: 'issued_at_in_future' });
  });

  it('uses the current time and the default window when no options are given', async () => {
    const fresh = proposalOf('agent-alice', { issued_at: new Date().toISOString() });
    const stale = proposalOf('agent-alice', { issued_at: new Date(Date.now() - 310_000).toISOString() });
    const verifyNow = async (proposal: Proposal) =>
      verifySubmission({ jws: await signProposal(proposal, alice.key) }, envelope, agents);
    expect(await verifyNow(fresh)).toMatchObject({ ok: true });
    expect(await verifyNow(stale)).toMatchObject({ ok: false, code: 'issued_at_too_old' });
  });

  it.each([
    ['year 0001', '0001-01-01T00:00:00Z', 'issued_at_too_old'],
    ['year 0000', '0000-01-01T00:00:00Z', 'issued_at_too_old'],
    ['year 9999', '9999-12-31T23:59:59Z', 'issued_at_in_future'],
    [
      'a leap second, which the date-time format allows but no clock reads',
      '2024-06-30T23:59:60Z',
      'invalid_proposal',
    ],
  ])('refuses an issued_at in %s', async (_label, issued_at, code) => {
    const verdict = await verify(await signProposal(proposalOf('agent-alice', { issued_at }), alice.key));
    expect(verdict).toMatchObject({ ok: false, code, ...ids });
  });

  it('refuses rather than accepts when intake’s clock is not a valid date', async () => {
    const verdict = await verify(await signedFixture(), { now: new Date(Number.NaN) });
    expect(verdict.ok).toBe(false);
  });

  it('judges freshness only after the signature: a stale forgery is a bad signature, naming no ids', async () => {
    const verdict = await verify(await signProposal(proposalOf('agent-alice'), bob.key), clockAt(3_600_000));
    expect(verdict).toEqual({ ok: false, code: 'bad_signature', reason: expect.any(String) });
  });
});

describe('verifySubmission of a proposal signed by a submitter (submitted_by, ADR 0015)', () => {
  let gateway: TestAgent;
  let submitters: Map<string, SubmitterRecord>;
  const onBehalf = (overrides: Partial<Proposal> = {}) =>
    proposalOf('agent-alice', { submitted_by: 'mcp-gateway', ...overrides });
  const verifyWithSubmitters = (jws: string) => verify(jws, { ...atIntakeClock, submitters });

  beforeAll(async () => {
    gateway = await makeAgent('mcp-gateway');
    submitters = new Map([
      [
        'mcp-gateway',
        {
          id: 'mcp-gateway',
          name: 'MCP gateway',
          agents: [{ id: 'agent-alice', token_sha256: 'a'.repeat(64) }],
          public_keys: gateway.record.public_keys,
        },
      ],
    ]);
  });

  it("accepts the submitter's signature for an agent it lists, and keeps submitted_by in the proposal", async () => {
    const verdict = await verifyWithSubmitters(await signProposal(onBehalf(), gateway.key));
    expect(verdict).toMatchObject({
      ok: true,
      proposal: { agent_id: 'agent-alice', submitted_by: 'mcp-gateway' },
      agent: { id: 'agent-alice' },
    });
  });

  it("refuses the agent's own signature on a proposal that names a submitter", async () => {
    const verdict = await verifyWithSubmitters(await signProposal(onBehalf(), alice.key));
    expect(verdict).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'key id agent-alice-key-1 is not registered for submitter mcp-gateway',
    });
  });

  it("refuses the submitter's signature on a proposal that does not name it", async () => {
    const verdict = await verifyWithSubmitters(await signProposal(proposalOf('agent-alice'), gateway.key));
    expect(verdict).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('refuses a submitter the bundle does not register, naming no ids', async () => {
    const jws = await signProposal(onBehalf({ submitted_by: 'rogue-gateway' }), gateway.key);
    expect(await verifyWithSubmitters(jws)).toEqual({
      ok: false,
      code: 'unknown_submitter',
      reason: 'submitter rogue-gateway is not registered',
    });
    // Without the bundle's submitters, intake knows none.
    expect(await verify(await signProposal(onBehalf(), gateway.key))).toMatchObject({
      code: 'unknown_submitter',
    });
  });

  it('refuses a submitter acting for an agent it does not list, naming no ids', async () => {
    const jws = await signProposal(proposalOf('agent-bob', { submitted_by: 'mcp-gateway' }), gateway.key);
    expect(await verifyWithSubmitters(jws)).toEqual({
      ok: false,
      code: 'submitter_not_allowed',
      reason: 'submitter mcp-gateway may not propose for agent agent-bob',
    });
  });
});
