import { cookieOf, csrfMatches, newSecret, sessionCookie, sessionKey, signInCookie } from './console-session';

describe('console sessions', () => {
  it('draws a fresh unguessable secret every time', () => {
    const a = newSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSecret()).not.toBe(a);
  });

  it('stores a session by a hash, not by its id', () => {
    expect(sessionKey('id-1')).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionKey('id-1')).not.toContain('id-1');
  });

  it('reads one cookie among several', () => {
    expect(cookieOf('a=1; airlock_console=s3cret; b=2', 'airlock_console')).toBe('s3cret');
    expect(cookieOf('xairlock_console=no', 'airlock_console')).toBeUndefined();
    expect(cookieOf(undefined, 'airlock_console')).toBeUndefined();
  });

  it('sets a cookie scripts cannot read and other sites cannot send', () => {
    expect(sessionCookie('s', 60_000)).toBe(
      'airlock_console=s; HttpOnly; SameSite=Strict; Path=/console; Max-Age=60',
    );
  });

  it('keeps the sign-in form’s token to the sign-in path, for ten minutes, away from scripts and other sites', () => {
    expect(signInCookie('t')).toBe(
      'airlock_console_sign_in=t; HttpOnly; SameSite=Strict; Path=/console/sign-in; Max-Age=600',
    );
  });

  it('accepts only the session’s own CSRF token', () => {
    expect(csrfMatches('token-a', 'token-a')).toBe(true);
    expect(csrfMatches('token-a', 'token-b')).toBe(false);
    expect(csrfMatches('token-a', 'token-a-longer')).toBe(false);
    expect(csrfMatches('token-a', undefined)).toBe(false);
    expect(csrfMatches('token-a', ['token-a'])).toBe(false);
  });
});
