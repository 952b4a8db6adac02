import fc from 'fast-check';
import type { AgentRecord, Proposal, ToolDefinition } from '@airlock/contracts';
import { derivedFacts, extract } from './derived-facts';
import { createPolicyEngine } from './policy-engine';

const sendMail: ToolDefinition = {
  name: 'mail.send',
  description: 'Send an e-mail.',
  risk: 'write',
  idempotent: false,
  arguments_schema: { type: 'object' },
  cost: { per_call_usd: 0 },
  adapter: { type: 'http', destination: 'mailer', method: 'POST', path: '/messages' },
  allowed_hosts: ['localhost'],
  sensitive_fields: [],
  derived: {
    link_domains: { from: ['$.subject', '$.body'], extract: 'url_domains' },
    recipient_domains: { from: '$.to', extract: 'email_domains' },
  },
};

describe('extract', () => {
  it('finds the domain of a link whatever its scheme or spelling', () => {
    const text = [
      'See https://Docs.Example.com/a?b#c and HTTP://EVIL.test./x,',
      'ftp://files.evil.test, //cdn.evil.test/p, www.Evil.Test/path,',
      'http:\\\\backslash.evil.test\\x, http://%65ncoded.evil.test/,',
      '[click](https://bücher.example/)',
    ].join(' ');
    expect(new Set(extract('url_domains', text))).toEqual(
      new Set([
        'docs.example.com',
        'evil.test',
        'files.evil.test',
        'cdn.evil.test',
        'www.evil.test',
        'backslash.evil.test',
        'encoded.evil.test',
        'xn--bcher-kva.example',
      ]),
    );
  });

  it('finds the domains of e-mail addresses, normalised', () => {
    expect(extract('email_domains', 'Bob <bob@Example.COM>, eve@evil.test.')).toEqual([
      'example.com',
      'evil.test',
    ]);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        for (const extractor of ['urls', 'url_domains', 'email_domains'] as const) extract(extractor, text);
      }),
      { numRuns: Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 300) },
    );
  });
});

describe('derivedFacts', () => {
  it('extracts each declared fact from its paths, as a sorted set', () => {
    expect(
      derivedFacts(sendMail, {
        to: ['bob@example.com', 'carol@partner.test'],
        subject: 'hello',
        body: 'read https://b.test and https://a.test and https://b.test',
      }),
    ).toEqual({ link_domains: ['a.test', 'b.test'], recipient_domains: ['example.com', 'partner.test'] });
  });
});

describe('policies over derived facts', () => {
  const engine = createPolicyEngine({
    tools: new Map([[sendMail.name, sendMail]]),
    policies: {
      'mail.cedar': `
        @id("may-mail")
        permit (principal, action, resource);
        @id("links-only-to-our-domains")
        forbid (principal, action == Action::"mail.send", resource)
        unless { ["example.com", "docs.example.com"].containsAll(context.derived.link_domains) };`,
    },
  });
  const agent: AgentRecord = { id: 'assistant', owner: 'alice', public_keys: [] };
  const mail = (body: string): Proposal => ({
    proposal_id: 'p-1',
    run_id: 'run-1',
    agent_id: 'assistant',
    tool: 'mail.send',
    arguments: { to: ['bob@example.com'], subject: 'Your order', body },
    issued_at: '2026-11-25T00:00:00Z',
  });

  it('refuses a link outside the allowlist, however it is written, and allows ours', () => {
    expect(engine.decide(mail('Details: https://docs.example.com/orders/1'), agent).decision).toBe('allow');
    for (const body of [
      'Pay at HTTPS://EVIL.TEST',
      'pay at //evil.test/x',
      'www.evil.test',
      'http:\\\\evil.test',
    ]) {
      expect(engine.decide(mail(body), agent).policy_ids).toEqual(['links-only-to-our-domains']);
    }
  });
});
