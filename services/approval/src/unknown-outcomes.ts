import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, type OutcomeResolution, type ProposalOutcome } from '@airlock/contracts';
import { EventPublisher } from '@airlock/messaging';
import { JsonLogger } from '@airlock/service-runtime';
import { UnknownOutcomesStore, type ResolutionRequest, type UnknownOutcome } from './unknown-outcomes.store';

/**
 * Where a call whose outcome the executor could not tell goes to a human: it waits in a queue
 * until someone finds out what happened (the downstream system's own records) and says so. The
 * answer is published, attested by this service, on airlock.outcomes.resolved; budget gives the
 * call's charges back when it did not happen, and audit keeps who said what.
 */
@Injectable()
export class UnknownOutcomes {
  constructor(
    @Inject(UnknownOutcomesStore) private readonly store: UnknownOutcomesStore,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async enqueue(outcome: ProposalOutcome): Promise<void> {
    await this.store.record(outcome);
    this.logger.event('warn', 'an outcome is unknown: a human must find out what happened', {
      run_id: outcome.run_id,
      proposal_id: outcome.proposal_id,
      tool: outcome.tool,
      reason_code: outcome.reason_code,
    });
  }

  list(which: 'open' | 'resolved' | 'all'): Promise<UnknownOutcome[]> {
    return this.store.list(which);
  }

  resolve(
    proposalId: string,
    request: ResolutionRequest,
  ): Promise<{ resolved: OutcomeResolution } | { already: UnknownOutcome } | undefined> {
    return this.store.resolve(proposalId, request, async (resolution) => {
      await this.publisher.publish(
        'resolutions',
        buildEnvelope(
          'resolutions',
          'airlock/operator-api',
          {
            runId: resolution.run_id,
            proposalId: resolution.proposal_id,
            agentId: resolution.agent_id,
            dedupKey: resolution.proposal_id,
          },
          resolution,
        ),
      );
      this.logger.event('warn', `unknown outcome resolved: ${resolution.happened}`, {
        run_id: resolution.run_id,
        proposal_id: resolution.proposal_id,
        resolved_by: resolution.resolved_by,
      });
    });
  }
}
