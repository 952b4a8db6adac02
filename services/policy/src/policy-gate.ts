import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  proposalOutcomeEnvelope,
  type AgentRecord,
  type Envelope,
  type Proposal,
  type RunFacts,
} from '@airlock/contracts';
import { signAttestation, type SigningKey } from '@airlock/attestation';
import { Bundle } from '@airlock/bundle';
import { emission, gateRoute, type Emission, type GateRoute, type GateRoutes } from '@airlock/messaging';
import { recordCall, type PolicyEngine, type PolicyVerdict } from '@airlock/policy-engine';
import { JsonLogger } from '@airlock/service-runtime';
import { RunHistoryStore } from './run-history.store';

export const POLICY_ENGINE = Symbol('POLICY_ENGINE');
export const POLICY_SIGNING_KEY = Symbol('POLICY_SIGNING_KEY');

const unknownAgentVerdict = (agentId: string): PolicyVerdict => ({
  decision: 'deny',
  policy_ids: [],
  reason_code: 'unknown_agent',
  reasons: [`agent ${agentId} is no longer in the bundle`],
});

/** Policy's gate: the bundle's Cedar policies and tool schemas decide allow, deny or approval_required. */
@Injectable()
export class PolicyGate implements GateRoutes {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(POLICY_ENGINE) private readonly engine: PolicyEngine,
    @Inject(POLICY_SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(RunHistoryStore) private readonly history: RunHistoryStore,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  routes(): GateRoute[] {
    return [
      gateRoute({ topic: 'accepted', proofStage: 'accepted', handle: (envelope) => this.decide(envelope) }),
    ];
  }

  /**
   * Against the run's history when a policy reads it: the call is recorded in it when let through
   * (allowed or sent to a human), under the run's lock. Otherwise the decision needs no state.
   */
  private judge(
    proposal: Proposal,
    agent: AgentRecord,
    run: RunFacts | undefined,
  ): Promise<PolicyVerdict> | PolicyVerdict {
    if (!this.engine.readsHistory) return this.engine.decide(proposal, agent, run);
    const tool = this.bundle.tools.get(proposal.tool);
    return this.history.judge(proposal.proposal_id, proposal.run_id, (history) => {
      const verdict = this.engine.decide(proposal, agent, run, history);
      const letThrough = verdict.decision !== 'deny' && tool !== undefined;
      return { verdict, ...(letThrough ? { next: recordCall(history, proposal, tool) } : {}) };
    });
  }

  async decide(envelope: Envelope<'accepted'>): Promise<Emission[]> {
    const { proposal, proposal_hash } = envelope.data;
    const agent = this.bundle.agents.get(proposal.agent_id);
    const verdict = agent
      ? await this.judge(proposal, agent, envelope.data.run)
      : unknownAgentVerdict(proposal.agent_id);
    const attestations = [...envelope.data.attestations];
    if (verdict.decision !== 'deny') {
      attestations.push(
        await signAttestation(this.signingKey, {
          gate: 'policy',
          verdict: verdict.decision,
          proposal_id: proposal.proposal_id,
          proposal_hash,
          bundle_hash: this.bundle.hash,
        }),
      );
    }
    const identity = { runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id };
    const decided = emission(
      'policyDecisions',
      buildEnvelope(
        'policyDecisions',
        'airlock/policy',
        { ...identity, dedupKey: proposal.proposal_id },
        {
          proposal,
          proposal_hash,
          attestations,
          decision: verdict.decision,
          policy_ids: verdict.policy_ids,
          reasons: verdict.reasons,
          bundle_hash: this.bundle.hash,
        },
      ),
    );
    this.logger.event('info', `policy decided ${verdict.decision}`, {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
      policy_ids: verdict.policy_ids,
    });
    if (verdict.decision !== 'deny') return [decided];
    const denied = proposalOutcomeEnvelope(proposal, {
      outcome: 'denied',
      reason_code: verdict.reason_code ?? 'policy_denied',
      reason: verdict.reasons.join('; ') || 'denied by policy',
      decided_by: 'policy',
      policy_ids: verdict.policy_ids,
      bundle_hash: this.bundle.hash,
    });
    return [decided, emission('outcomes', denied)];
  }
}
