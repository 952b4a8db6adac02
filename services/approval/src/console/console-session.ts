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

export const clearedSessionCookie = `${sessionCookieName}=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0`;

/** A form's CSRF token must be the session's; compared in constant time. */
export function csrfMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
