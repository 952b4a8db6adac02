import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, outcomeEnvelope, type Envelope } from '@airlock/contracts';
import { checkGateProof, signAttestation, type ServiceKeyring, type SigningKey } from '@airlock/attestation';
import type { Bundle } from '@airlock/bundle';
import { EventPublisher } from '@airlock/messaging';
import type { PolicyEngine, PolicyVerdict } from '@airlock/policy-engine';
import { JsonLogger } from '@airlock/service-runtime';

export const POLICY_BUNDLE = Symbol('POLICY_BUNDLE');
export const POLICY_ENGINE = Symbol('POLICY_ENGINE');
export const POLICY_SIGNING_KEY = Symbol('POLICY_SIGNING_KEY');
export const POLICY_KEYRING = Symbol('POLICY_KEYRING');

const unknownAgentVerdict = (agentId: string): PolicyVerdict => ({
  decision: 'deny',
  policy_ids: [],
  reason_code: 'unknown_agent',
  reasons: [`agent ${agentId} is no longer in the bundle`],
});

/** Policy's gate: the bundle's Cedar policies and tool schemas decide allow, deny or approval_required. */
@Injectable()
export class PolicyGate {
  constructor(
    @Inject(POLICY_BUNDLE) private readonly bundle: Bundle,
    @Inject(POLICY_ENGINE) private readonly engine: PolicyEngine,
    @Inject(POLICY_SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(POLICY_KEYRING) private readonly keyring: ServiceKeyring,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async decide(envelope: Envelope<'accepted'>, refuse: (reason: string) => Promise<void>): Promise<void> {
    const proof = await checkGateProof(envelope.data, this.keyring, 'accepted');
    if (!proof.ok) return refuse(`refused to decide: ${proof.code}: ${proof.reason}`);
    const { proposal, proposal_hash } = envelope.data;
    const agent = this.bundle.agents.get(proposal.agent_id);
    const verdict = agent ? this.engine.decide(proposal, agent) : unknownAgentVerdict(proposal.agent_id);
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
    await this.publisher.publish(
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
    if (verdict.decision === 'deny') {
      await this.publisher.publish(
        'outcomes',
        outcomeEnvelope({
          proposal_id: proposal.proposal_id,
          run_id: proposal.run_id,
          agent_id: proposal.agent_id,
          tool: proposal.tool,
          outcome: 'denied',
          reason_code: verdict.reason_code ?? 'policy_denied',
          reason: verdict.reasons.join('; ') || 'denied by policy',
          decided_by: 'policy',
          policy_ids: verdict.policy_ids,
          bundle_hash: this.bundle.hash,
        }),
      );
    }
    this.logger.event('info', `policy decided ${verdict.decision}`, {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
      policy_ids: verdict.policy_ids,
    });
  }
}
