import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusalMessage, resolveToken, type Credential } from './airlock-api';

describe('resolveToken', () => {
  let dir: string;
  let tokensFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
    tokensFile = join(dir, 'approver-tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ alice: 'ta', bob: 'tb' }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const resolve = (as: string | undefined, fromVariable: string | undefined, mustName = false) =>
    resolveToken({ role: 'approver', as, fromVariable, tokensFile, mustName });

  it('takes the named local account, even when the variable is set', () => {
    expect(resolve('bob', 'from-env')).toEqual({
      role: 'approver',
      token: 'tb',
      source: `bob in ${tokensFile}`,
      localIds: ['alice', 'bob'],
    });
  });

  it("takes the variable's token when no account is named", () => {
    expect(resolve(undefined, 'from-env', true)).toMatchObject({
      token: 'from-env',
      source: 'AIRLOCK_APPROVER_TOKEN',
    });
  });

  it('defaults to the first local account only where nobody acts in its name', () => {
    expect(resolve(undefined, undefined).token).toBe('ta');
    expect(() => resolve(undefined, undefined, true)).toThrow(
      'say in whose name: --as <approver> (alice, bob), or set AIRLOCK_APPROVER_TOKEN',
    );
  });

  it('names the accounts there are when the one asked for is not', () => {
    expect(() => resolve('mallory', undefined)).toThrow(
      `no local approver "mallory" in ${tokensFile}; there are: alice, bob`,
    );
  });

  it('says how to get tokens when there is no file', () => {
    rmSync(tokensFile);
    expect(() => resolve('bob', undefined)).toThrow(
      /run npm start once \(it generates them\), or set AIRLOCK_APPROVER_TOKEN/,
    );
  });
});

describe('refusalMessage', () => {
  const operator: Credential = {
    role: 'operator',
    token: 't',
    source: 'AIRLOCK_OPERATOR_TOKEN',
    localIds: ['olivia'],
  };
  const approver: Credential = {
    role: 'approver',
    token: 't',
    source: 'alice in f',
    localIds: ['alice', 'bob'],
  };

  it('names the token refused on 401 and which would do', () => {
    expect(refusalMessage(401, { error: 'unauthorized', message: 'send a token' }, operator)).toBe(
      "the token of AIRLOCK_OPERATOR_TOKEN was refused (401: send a token); use a registered operator's: --as <operator> (olivia) or AIRLOCK_OPERATOR_TOKEN",
    );
  });

  it("says an operator command needs an operator's token on 403", () => {
    expect(refusalMessage(403, { message: 'approvers may not use the operator API' }, operator)).toMatch(
      /^approvers may not use the operator API \(403\); operator commands need an operator's token: --as <operator>/,
    );
  });

  it('suggests another approver when this one may not answer', () => {
    expect(refusalMessage(403, { error: 'forbidden', message: 'alice owns support-triage' }, approver)).toBe(
      'alice owns support-triage (403); answer as another approver: --as <approver> (alice, bob) or AIRLOCK_APPROVER_TOKEN',
    );
  });

  it("passes on the API's own sentence and code otherwise, or the body it sent", () => {
    expect(refusalMessage(409, { error: 'not_pending', message: 'already approved by bob' }, approver)).toBe(
      'already approved by bob (409 not_pending)',
    );
    expect(refusalMessage(502, undefined, approver)).toBe('null (502)');
  });
});
