import type { Pool } from 'pg';

/** Console sessions live in PostgreSQL so that any approval instance behind a load balancer knows them. */
export const consoleSessionsMigrations = [
  `CREATE TABLE IF NOT EXISTS console_sessions (
     session_sha256 text PRIMARY KEY,
     account_id     text NOT NULL,
     role           text NOT NULL CHECK (role IN ('approver', 'operator')),
     csrf_token     text NOT NULL,
     created_at     timestamptz NOT NULL DEFAULT now(),
     expires_at     timestamptz NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS console_sessions_expiry ON console_sessions (expires_at)`,
];

export type ConsoleRole = 'approver' | 'operator';

export interface ConsoleSession {
  accountId: string;
  role: ConsoleRole;
  csrf: string;
}

export class ConsoleSessionsStore {
  constructor(private readonly pool: Pool) {}

  /** `key` is the hash of the session id (sessionKey); expired sessions are removed on the way. */
  async create(key: string, session: ConsoleSession, expiresAt: Date): Promise<void> {
    await this.pool.query('DELETE FROM console_sessions WHERE expires_at < now()');
    await this.pool.query(
      `INSERT INTO console_sessions (session_sha256, account_id, role, csrf_token, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [key, session.accountId, session.role, session.csrf, expiresAt],
    );
  }

  /** The session, unless it expired (`now` is the caller's clock, as for approval deadlines). */
  async find(key: string, now: Date): Promise<ConsoleSession | undefined> {
    const found = await this.pool.query<{ account_id: string; role: ConsoleRole; csrf_token: string }>(
      'SELECT account_id, role, csrf_token FROM console_sessions WHERE session_sha256 = $1 AND expires_at > $2',
      [key, now],
    );
    const row = found.rows[0];
    return row === undefined
      ? undefined
      : { accountId: row.account_id, role: row.role, csrf: row.csrf_token };
  }

  async delete(key: string): Promise<void> {
    await this.pool.query('DELETE FROM console_sessions WHERE session_sha256 = $1', [key]);
  }
}
