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
import {
  recordCall,
  recordResult,
  type EntityOverlay,
  type PolicyEngine,
  type PolicyVerdict,
  type RunHistory,
} from '@airlock/policy-engine';
import { JsonLogger } from '@airlock/service-runtime';
import { RunHistoryStore } from './run-history.store';

export const POLICY_ENGINE = Symbol('POLICY_ENGINE');
export const POLICY_SIGNING_KEY = Symbol('POLICY_SIGNING_KEY');
export const POLICY_SHADOW = Symbol('POLICY_SHADOW');
export const POLICY_ENTITIES = Symbol('POLICY_ENTITIES');

/** The candidate bundle of shadow mode: decides every proposal beside the active one, acts on none. */
export interface ShadowBundle {
  hash: string;
  agents: ReadonlyMap<string, AgentRecord>;
  engine: PolicyEngine;
}

/** A verdict with the version of the operators' entities it read (0: the bundle's alone). */
type EntitiesVerdict = PolicyVerdict & { entities_version: number };

/** The active verdict, and the candidate's where shadow mode judged the proposal too. */
interface Judged {
  verdict: EntitiesVerdict;
  candidate?: PolicyVerdict;
}

const sameVerdict = (a: PolicyVerdict, b: PolicyVerdict) =>
  a.decision === b.decision &&
  [...a.policy_ids].sort().join('\u0000') === [...b.policy_ids].sort().join('\u0000');

const unknownAgentVerdict = (agentId: string): EntitiesVerdict => ({
  decision: 'deny',
  policy_ids: [],
  reason_code: 'unknown_agent',
  reasons: [`agent ${agentId} is no longer in the bundle`],
  entities_version: 0,
});

/** Policy's gate: the bundle's Cedar policies and tool schemas decide allow, deny or approval_required. */
@Injectable()
export class PolicyGate implements GateRoutes {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(POLICY_ENGINE) private readonly engine: PolicyEngine,
    @Inject(POLICY_SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(POLICY_SHADOW) private readonly shadow: ShadowBundle | null,
    @Inject(RunHistoryStore) private readonly history: RunHistoryStore,
    @Inject(POLICY_ENTITIES) private readonly entities: EntityOverlay,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  routes(): GateRoute[] {
    const decides = gateRoute({
      topic: 'accepted',
      proofStage: 'accepted',
      handle: (envelope) => this.decide(envelope),
    });
    const declaresFacts = [...this.bundle.tools.values()].some((tool) => tool.result_facts !== undefined);
    if (!this.keepsHistory || !declaresFacts) return [decides];
    // What a trusted read returned reaches policies only from the executor's attested event (the
    // pipeline checks the attestation, as for every event a gate acts on), never from the agent.
    // Without a history to keep it in, or a tool to read facts from, the gate does not subscribe.
    return [
      decides,
      gateRoute({
        topic: 'actionsExecuted',
        wants: (envelope) => this.bundle.tools.get(envelope.data.tool)?.result_facts !== undefined,
        handle: (envelope) => this.recordResult(envelope),
      }),
    ];
  }

  private get keepsHistory(): boolean {
    return this.engine.readsHistory || this.shadow?.engine.readsHistory === true;
  }

  /**
   * The facts the tool declares, read from the answer as the executor reported it, into the run's
   * history once per proposal. A proposal the gate judges before this event arrived did not see
   * them: a rule over a fact the history lacks does not match (docs/adr/0018).
   */
  private async recordResult(envelope: Envelope<'actionsExecuted'>): Promise<Emission[]> {
    const executed = envelope.data;
    const tool = this.bundle.tools.get(executed.tool);
    if (tool === undefined) return [];
    let facts: string[] = [];
    const recorded = await this.history.recordResult(executed.proposal_id, executed.run_id, (history) => {
      const next = recordResult(history, tool, executed.response, executed.response_truncated === true);
      facts = Object.keys(tool.result_facts ?? {}).filter((name) => next.results[name] !== undefined);
      return next;
    });
    this.logger.event('info', recorded ? 'policy read the facts of a result' : 'result already read', {
      run_id: executed.run_id,
      proposal_id: executed.proposal_id,
      agent_id: executed.agent_id,
      tool: executed.tool,
      ...(recorded ? { result_facts: facts } : {}),
    });
    return [];
  }

  /**
   * Against the run's history when a policy (active or candidate) reads it: the call is recorded in
   * it when the active bundle lets it through (allowed or sent to a human), under the run's lock.
   * Otherwise the decision needs no state. A candidate in shadow mode judges the same proposal
   * against the same history; a redelivered proposal gets its stored verdict and no second shadow.
   * Both read the operators' entities as they are at that moment (decide is synchronous, so the
   * version recorded is the one used).
   */
  private async judge(proposal: Proposal, agent: AgentRecord, run: RunFacts | undefined): Promise<Judged> {
    const candidateOf = (history?: RunHistory) =>
      this.shadow?.engine.decide(
        proposal,
        this.shadow.agents.get(agent.id) ?? agent,
        run,
        history,
        this.entities,
      );
    const activeOf = (history?: RunHistory): EntitiesVerdict => ({
      ...this.engine.decide(proposal, agent, run, history, this.entities),
      entities_version: this.entities.version,
    });
    if (!this.keepsHistory) {
      return { verdict: activeOf(), candidate: candidateOf() };
    }
    const tool = this.bundle.tools.get(proposal.tool);
    let candidate: PolicyVerdict | undefined;
    const verdict = await this.history.judge(proposal.proposal_id, proposal.run_id, (history) => {
      const judged = activeOf(history);
      candidate = candidateOf(history);
      const letThrough = judged.decision !== 'deny' && tool !== undefined;
      return { verdict: judged, ...(letThrough ? { next: recordCall(history, proposal, tool) } : {}) };
    });
    return { verdict, candidate };
  }

  /** A candidate's disagreement, for the audit and the view shadow_disagreements; nothing acts on it. */
  private disagreement(proposal: Proposal, verdict: PolicyVerdict, candidate: PolicyVerdict): Emission {
    return emission(
      'policyShadow',
      buildEnvelope(
        'policyShadow',
        'airlock/policy',
        {
          runId: proposal.run_id,
          proposalId: proposal.proposal_id,
          agentId: proposal.agent_id,
          dedupKey: proposal.proposal_id,
        },
        {
          proposal_id: proposal.proposal_id,
          run_id: proposal.run_id,
          agent_id: proposal.agent_id,
          tool: proposal.tool,
          active_decision: verdict.decision,
          active_policy_ids: verdict.policy_ids,
          candidate_decision: candidate.decision,
          candidate_policy_ids: candidate.policy_ids,
          candidate_reasons: candidate.reasons,
          bundle_hash: this.bundle.hash,
          candidate_bundle_hash: this.shadow?.hash ?? '',
        },
      ),
    );
  }

  async decide(envelope: Envelope<'accepted'>): Promise<Emission[]> {
    const { proposal, proposal_hash } = envelope.data;
    const agent = this.bundle.agents.get(proposal.agent_id);
    const { verdict, candidate } = agent
      ? await this.judge(proposal, agent, envelope.data.run)
      : { verdict: unknownAgentVerdict(proposal.agent_id), candidate: undefined };
    const shadowed =
      candidate === undefined || sameVerdict(verdict, candidate)
        ? []
        : [this.disagreement(proposal, verdict, candidate)];
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
          entities_version: verdict.entities_version,
          ...(verdict.decision === 'deny' || verdict.approval_for_run === undefined
            ? {}
            : { approval_for_run: verdict.approval_for_run }),
          ...(verdict.decision === 'deny' || verdict.approval_requirements === undefined
            ? {}
            : { approval_requirements: verdict.approval_requirements }),
        },
      ),
    );
    this.logger.event('info', `policy decided ${verdict.decision}`, {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
      policy_ids: verdict.policy_ids,
      entities_version: verdict.entities_version,
    });
    if (verdict.decision !== 'deny') return [decided, ...shadowed];
    const denied = proposalOutcomeEnvelope(proposal, {
      outcome: 'denied',
      reason_code: verdict.reason_code ?? 'policy_denied',
      reason: verdict.reasons.join('; ') || 'denied by policy',
      decided_by: 'policy',
      policy_ids: verdict.policy_ids,
      bundle_hash: this.bundle.hash,
    });
    return [decided, emission('outcomes', denied), ...shadowed];
  }
}
