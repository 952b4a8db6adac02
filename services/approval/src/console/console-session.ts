import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie holding the session id; scoped to the console's paths. */
export const sessionCookieName = 'airlock_console';

/** How long a console session lasts after sign-in. */
export const sessionLifetimeMs = 8 * 60 * 60 * 1000;

/** 256 random bits: a session id or a CSRF token nobody can guess. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Sessions are stored by the hash of their id, so reading the table does not let one sign in. */
export function sessionKey(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/** The value of one cookie of a Cookie header, if sent. */
export function cookieOf(header: string | string[] | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * HttpOnly: page scripts cannot read it. SameSite=Strict: another site's form cannot post with it
 * (the CSRF token is the second line of defence).
 */
export function sessionCookie(sessionId: string, maxAgeMs: number): string {
  return `${sessionCookieName}=${sessionId}; HttpOnly; SameSite=Strict; Path=/console; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

/**
 * The pre-session CSRF cookie of the sign-in form (double submit): its value must come back in the
 * form's hidden field. Another site can make a browser post a form, but cannot read this cookie nor
 * set one for this origin, so it cannot sign a victim in as the attacker (login CSRF).
 */
export const signInCookieName = 'airlock_console_sign_in';

/** Long enough to type a token, short enough that a form left open asks to be reloaded. */
export const signInFormLifetimeMs = 10 * 60 * 1000;

export function signInCookie(token: string): string {
  return `${signInCookieName}=${token}; HttpOnly; SameSite=Strict; Path=/console/sign-in; Max-Age=${Math.floor(signInFormLifetimeMs / 1000)}`;
}

export const clearedSignInCookie = `${signInCookieName}=; HttpOnly; SameSite=Strict; Path=/console/sign-in; Max-Age=0`;

export const clearedSessionCookie = `${sessionCookieName}=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0`;

/** A form's CSRF token must be the session's; compared in constant time. */
export function csrfMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
