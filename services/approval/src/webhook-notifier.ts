import type { Pool } from 'pg';
import type { JsonLogger } from '@airlock/service-runtime';
import type { Notice } from './notices';

export const noticesMigrations = [
  // Notices claimed for sending: one per key, across restarts and instances.
  `CREATE TABLE IF NOT EXISTS notices_sent (
     key     text PRIMARY KEY,
     sent_at timestamptz NOT NULL DEFAULT now()
   )`,
];

const deliveryTimeoutMs = 5000;

/**
 * Posts notices as Slack-compatible JSON (`{"text": ...}`) to one webhook. A notice is claimed in
 * PostgreSQL before it is sent, so it goes out at most once however many instances see the event;
 * one the webhook did not take is logged, not retried: a notice is a nudge, the approval API and
 * the audit are the record. Never throws: a notice must not hold up a decision.
 */
export class WebhookNotifier {
  constructor(
    private readonly url: string | undefined,
    private readonly pool: Pool,
    private readonly logger: JsonLogger,
  ) {}

  async send(notice: Notice): Promise<void> {
    if (this.url === undefined) return;
    try {
      const claimed = await this.pool.query(
        'INSERT INTO notices_sent (key) VALUES ($1) ON CONFLICT DO NOTHING',
        [notice.key],
      );
      if (claimed.rowCount !== 1) return;
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: notice.text, airlock: notice.fields }),
        redirect: 'error',
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      });
      if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
    } catch (error) {
      this.logger.event('warn', 'a notice was not delivered', {
        key: notice.key,
        error: (error as Error).message ?? String(error),
      });
    }
  }
}
