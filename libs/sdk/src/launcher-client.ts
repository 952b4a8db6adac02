import type { Envelope, RunTicket } from '@airlock/contracts';
import type { SigningKey } from '@airlock/attestation';
import { KafkaChannel, type KafkaTarget } from './kafka-channel';
import { runCloseEnvelope, signedRunTicket } from './launcher-statements';
import { signingKeyFrom, type KeySource } from './signing-key-source';

export interface LauncherClientOptions extends KafkaTarget {
  launcherId: string;
  /** The launcher's Ed25519 private JWK with its kid, or the path of its key file. */
  key: KeySource;
}

/** What a launcher states about the run it opens, the user it acts for and the task (ADR 0011). */
export interface RunToOpen {
  runId: string;
  agentId: string;
  userId: string;
  team?: string;
  labels?: RunTicket['labels'];
  named?: RunTicket['named'];
  tools?: RunTicket['tools'];
  /** The run's own caps, within the bundle's per_run (ADR 0012). */
  limits?: RunTicket['limits'];
  /** How long the run may last; at most the launcher's max_run_seconds. One hour by default. */
  ttlSeconds?: number;
}

/**
 * The application that starts an agent for a user: it opens each run with a ticket signed by its
 * key, hands the ticket to the agent, and closes the run on airlock.runs when the task is over.
 * Opening needs no connection; the first close connects.
 */
export class AirlockLauncher {
  private readonly key: SigningKey;
  private readonly channel: KafkaChannel;
  private readonly tickets = new Map<string, string>();

  constructor(private readonly options: LauncherClientOptions) {
    this.key = signingKeyFrom(options.key);
    this.channel = new KafkaChannel(options, `launcher-${options.launcherId}`);
  }

  get launcherId(): string {
    return this.options.launcherId;
  }

  /** Signs the run's ticket, which the agent carries in every proposal and usage report of the run. */
  openRun(run: RunToOpen): string {
    const ticket = signedRunTicket(
      this.launcherId,
      this.key,
      {
        run_id: run.runId,
        agent_id: run.agentId,
        user_id: run.userId,
        ...(run.team === undefined ? {} : { team: run.team }),
        ...(run.labels === undefined ? {} : { labels: run.labels }),
        ...(run.named === undefined ? {} : { named: run.named }),
        ...(run.tools === undefined ? {} : { tools: run.tools }),
        ...(run.limits === undefined ? {} : { limits: run.limits }),
      },
      run.ttlSeconds ?? 3600,
    );
    this.tickets.set(run.runId, ticket);
    return ticket;
  }

  /**
   * Closes a run this launcher opened: from then on nothing of the run executes (`run_closed`),
   * and nothing reopens it (ADR 0012). `ticket` is needed only for a run another process opened.
   */
  async closeRun(runId: string, reason: string, ticket = this.tickets.get(runId)): Promise<Envelope<'runs'>> {
    if (ticket === undefined) {
      throw new Error(`run ${runId} was not opened by this launcher client: pass the ticket that opened it`);
    }
    const envelope = runCloseEnvelope(this.launcherId, this.key, { runId, reason, ticket });
    await this.channel.send('runs', runId, JSON.stringify(envelope));
    return envelope;
  }

  async close(): Promise<void> {
    await this.channel.close();
  }
}
