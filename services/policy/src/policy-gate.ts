import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, proposalOutcomeEnvelope, type Envelope } from '@airlock/contracts';
import { signAttestation, type SigningKey } from '@airlock/attestation';
import { Bundle } from '@airlock/bundle';
import { emission, gateRoute, type Emission, type GateRoute, type GateRoutes } from '@airlock/messaging';
import type { PolicyEngine, PolicyVerdict } from '@airlock/policy-engine';
import { JsonLogger } from '@airlock/service-runtime';

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
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  routes(): GateRoute[] {
    return [
      gateRoute({ topic: 'accepted', proofStage: 'accepted', handle: (envelope) => this.decide(envelope) }),
    ];
  }

  async decide(envelope: Envelope<'accepted'>): Promise<Emission[]> {
    const { proposal, proposal_hash } = envelope.data;
    const agent = this.bundle.agents.get(proposal.agent_id);
    const verdict = agent
      ? this.engine.decide(proposal, agent, envelope.data.run)
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
