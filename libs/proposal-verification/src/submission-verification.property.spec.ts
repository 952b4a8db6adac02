import fc from 'fast-check';
import { CompactSign, compactVerify, importJWK, type JWK, type KeyLike } from 'jose';
import {
  checkJsonHygiene,
  proposalJsonLimits,
  reasonCodes,
  validateProposal,
  type AgentRecord,
  type Proposal,
} from '@airlock/contracts';
import { canonicalJson, generateSigningKey } from '@airlock/attestation';
import {
  defaultFreshnessWindow,
  verifySubmission,
  type SubmissionVerdict,
  type SubmissionVerificationOptions,
} from './submission-verification';

/**
 * Runs per property, bounded so the unit suite stays fast; a nightly or bench run raises them all
 * with AIRLOCK_PROPERTY_RUNS=100000.
 */
function propertyRuns(defaultRuns: number): number {
  const configured = Number(process.env.AIRLOCK_PROPERTY_RUNS);
  return Number.isInteger(configured) && configured > 0 ? configured : defaultRuns;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A reason is published (in an outcome or a dead letter), so it must itself be clean text. */
function expectPublishable(text: string): void {
  expect(text.includes('\u0000')).toBe(false);
  expect(text).not.toMatch(loneSurrogate);
}

const issuedAt = '2024-05-01T12:00:00Z';
const intakeClock: SubmissionVerificationOptions = { now: new Date('2024-05-01T12:01:00Z') };
const envelope = { runid: 'run-1' };
const validProposal: Proposal = {
  proposal_id: 'prop-1',
  run_id: 'run-1',
  agent_id: 'agent-alice',
  tool: 'issue_refund',
  arguments: { order_id: 'o-1', amount_usd: 25 },
  issued_at: issuedAt,
};

let agents: Map<string, AgentRecord>;
let alicePrivateKey: KeyLike | Uint8Array;
let alicePublicKey: KeyLike | Uint8Array;
const aliceKid = 'agent-alice-key-1';

beforeAll(async () => {
  const { signingKey, publicJwk } = await generateSigningKey(aliceKid);
  alicePrivateKey = await importJWK(signingKey.privateJwk as JWK, 'EdDSA');
  alicePublicKey = await importJWK(publicJwk as JWK, 'EdDSA');
  const record: AgentRecord = {
    id: 'agent-alice',
    owner: 'alice-owner',
    public_keys: [{ kty: 'OKP', crv: 'Ed25519', x: String(publicJwk.x), kid: aliceKid }],
  };
  agents = new Map([[record.id, record]]);
});

/** Alice's genuine signature over exactly these bytes, so only what they say can be wrong. */
function signedByAlice(text: string, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(Buffer.from(text))
    .setProtectedHeader({ alg: 'EdDSA', kid: aliceKid, ...header })
    .sign(alicePrivateKey);
}

/** Verifies and checks what every verdict must look like; returns it for further checks. */
async function verifiedChecked(
  jws: unknown,
  options: SubmissionVerificationOptions = intakeClock,
): Promise<SubmissionVerdict> {
  const verdict = await verifySubmission({ jws } as { jws: string }, envelope, agents, options);
  if (verdict.ok) {
    expect(Object.keys(verdict).sort()).toEqual(['agent', 'ok', 'proposal']);
    // Whatever intake accepts, every later stage can hash: the bug this issue is about.
    expect(checkJsonHygiene(verdict.proposal, proposalJsonLimits)).toEqual({ ok: true });
    expect(() => canonicalJson(verdict.proposal)).not.toThrow();
    return verdict;
  }
  expect(reasonCodes).toContain(verdict.code);
  expect(typeof verdict.reason).toBe('string');
  expectPublishable(verdict.reason);
  if ('proposal_id' in verdict || 'agent_id' in verdict) await expectSignedByAlice(jws);
  return verdict;
}

/** The oracle for "may this refusal name a proposal": a valid proposal of alice, signed with her key, checked independently. */
async function expectSignedByAlice(jws: unknown): Promise<void> {
  const { payload } = await compactVerify(jws as string, alicePublicKey, { algorithms: ['EdDSA'] });
  const proposal: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
  expect(validateProposal(proposal).ok).toBe(true);
  expect(proposal).toMatchObject({ agent_id: 'agent-alice' });
}

const hostileChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  fc.constantFrom(
    '\u0000',
    '\uD800',
    '\uDBFF',
    '\uDC00',
    '\uDFFF',
    '\uFFFE',
    '\uFFFF',
    '\uFEFF',
    '😀',
    '"',
    '\\',
    '.',
  ),
  fc.char16bits(),
);
const hostileString = fc.string({ unit: hostileChar, maxLength: 30 });
const hostileJson = fc.jsonValue({ stringUnit: hostileChar, maxDepth: 4 });
const base64urlOf = (text: string) => Buffer.from(text).toString('base64url');
const base64urlPart = fc.oneof(
  fc.base64String().map((text) => text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
  hostileJson.map((json) => base64urlOf(JSON.stringify(json))),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
);

/** The proposal with one field replaced by anything, removed, or joined by an extra one. */
const mutatedProposal = fc
  .record({
    field: fc.constantFrom(
      'proposal_id',
      'run_id',
      'agent_id',
      'tool',
      'arguments',
      'issued_at',
      'workflow',
      'extra',
      '__proto__',
    ),
    value: fc.option(fc.oneof(hostileJson, hostileString, fc.constant('2024-06-30T23:59:60Z')), {
      nil: undefined,
    }),
  })
  .map(({ field, value }) => {
    const copy: Record<string, unknown> = { ...validProposal };
    if (value === undefined) delete copy[field];
    else Object.defineProperty(copy, field, { value, enumerable: true, writable: true, configurable: true });
    return JSON.stringify(copy);
  });

/** Genuinely signed payloads no JSON.stringify would write: huge, deep, infinite, unpaired. */
const hostilePayloadText = fc.oneof(
  fc
    .integer({ min: 1, max: 100_000 })
    .map((depth) =>
      JSON.stringify(validProposal).replace(
        '{"order_id"',
        `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},"order_id"`,
      ),
    ),
  fc.constantFrom('1e400', '-1e400').map((n) => JSON.stringify(validProposal).replace('25', n)),
  fc
    .integer({ min: 32_760, max: 32_775 })
    .map((length) => JSON.stringify({ ...validProposal, arguments: { body: 'x'.repeat(length) } })),
  fc
    .integer({ min: 995, max: 1_005 })
    .map((length) => JSON.stringify({ ...validProposal, arguments: { ids: Array(length).fill(1) } })),
);

describe('verifySubmission under hostile input (property-based)', () => {
  it('answers any JWS-shaped or shapeless text, or no string at all, with a verdict naming no ids', async () => {
    const anyJws = fc.oneof(
      hostileString,
      fc.tuple(base64urlPart, base64urlPart, base64urlPart).map((parts) => parts.join('.')),
      fc.tuple(base64urlPart, base64urlPart).map(([header, payload]) => `${header}.${payload}.`),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(anyJws, async (jws) => {
        const verdict = await verifiedChecked(jws);
        // Nobody signed any of these, so none may be accepted or speak for a proposal.
        expect(verdict.ok).toBe(false);
        expect(verdict).not.toHaveProperty('proposal_id');
      }),
      { numRuns: propertyRuns(1_000) },
    );
  });

  it('answers random JSON signed with a registered key with a well-formed verdict', async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, async (json) => {
        await verifiedChecked(await signedByAlice(JSON.stringify(json)));
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('answers signed proposals with a field of the wrong type, removed or added, with a well-formed verdict', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedProposal, async (text) => {
        await verifiedChecked(await signedByAlice(text));
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('answers signed payloads that are deep, infinite or at the size limits with a well-formed verdict', async () => {
    await fc.assert(
      fc.asyncProperty(hostilePayloadText, async (text) => {
        await verifiedChecked(await signedByAlice(text));
      }),
      { numRuns: propertyRuns(60) },
    );
  });

  it('answers a hostile JWS header, signed, with a well-formed verdict', async () => {
    const header = fc.dictionary(fc.constantFrom('kid', 'typ', 'x', 'crit', 'b64', 'jwk'), hostileJson, {
      maxKeys: 3,
    });
    await fc.assert(
      fc.asyncProperty(header, async (extra) => {
        // jose refuses some headers while signing; those never reach intake.
        const jws = await signedByAlice(JSON.stringify(validProposal), extra).catch(() => undefined);
        if (jws !== undefined) await verifiedChecked(jws);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('accepts a verified proposal exactly when issued_at lies within the window, and otherwise names the side', async () => {
    const jwsPromise = signedByAlice(JSON.stringify(validProposal));
    const issuedMs = Date.parse(issuedAt);
    const window = fc.record({
      maxAgeSeconds: fc.integer({ min: 1, max: 86_400 }),
      maxFutureSeconds: fc.integer({ min: 0, max: 3_600 }),
    });
    const offsetMs = fc.oneof(
      fc.integer({ min: -90_000_000, max: 90_000_000 }),
      fc.integer({ min: -61_000, max: 301_000 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(window, { nil: undefined }), offsetMs, async (freshness, ageMs) => {
        const verdict = await verifiedChecked(await jwsPromise, {
          now: new Date(issuedMs + ageMs),
          freshness,
        });
        const { maxAgeSeconds, maxFutureSeconds } = freshness ?? defaultFreshnessWindow;
        if (ageMs > maxAgeSeconds * 1000)
          expect(verdict).toMatchObject({ ok: false, code: 'issued_at_too_old' });
        else if (-ageMs > maxFutureSeconds * 1000)
          expect(verdict).toMatchObject({ ok: false, code: 'issued_at_in_future' });
        else expect(verdict.ok).toBe(true);
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});
