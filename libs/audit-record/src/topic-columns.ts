import { topics } from '@airlock/contracts';
import { numberField, stringField, stringListField, type EventData } from './envelope-fields';

/** The columns whose meaning depends on the topic: what the gate decided, and why. */
export interface DecisionColumns {
  decision: string;
  outcome: string;
  reason_code: string;
  reasons: string[];
  policy_ids: string[];
  bundle_hash: string;
  cost_usd: number;
}

const emptyColumns: DecisionColumns = {
  decision: '',
  outcome: '',
  reason_code: '',
  reasons: [],
  policy_ids: [],
  bundle_hash: '',
  cost_usd: 0,
};

export function columnsOfTopic(topic: string, data: EventData): DecisionColumns {
  const common = { ...emptyColumns, bundle_hash: stringField(data, 'bundle_hash') };
  switch (topic) {
    case topics.accepted.name:
      return { ...common, decision: 'accepted' };
    case topics.policyDecisions.name:
      return {
        ...common,
        decision: stringField(data, 'decision'),
        reasons: stringListField(data, 'reasons'),
        policy_ids: stringListField(data, 'policy_ids'),
      };
    case topics.approvalDecisions.name:
      return { ...common, decision: stringField(data, 'decision') };
    case topics.approvalPreviews.name: {
      // previewed or unavailable, and why; the states read stay in the (redacted) payload.
      const reason = stringField(data, 'reason');
      return { ...common, decision: stringField(data, 'status'), reasons: reason === '' ? [] : [reason] };
    }
    case topics.budgetReservations.name:
      return { ...common, decision: 'reserved', cost_usd: numberField(data, 'reserved_cost_usd') };
    case topics.actionsExecuted.name:
      return { ...common, decision: 'executed', cost_usd: numberField(data, 'cost_usd') };
    case topics.outcomes.name:
      return outcomeColumns(common, data);
    case topics.policyShadow.name:
      // The candidate's decision; the active one, and the candidate bundle, stay in the payload.
      return {
        ...common,
        decision: stringField(data, 'candidate_decision'),
        reasons: stringListField(data, 'candidate_reasons'),
        policy_ids: stringListField(data, 'candidate_policy_ids'),
      };
    case topics.usageAccounted.name:
      return { ...common, decision: 'accounted', cost_usd: numberField(data, 'cost_usd') };
    case topics.resolutions.name: {
      // What a human found really happened (succeeded, failed) and their note; the outcome column
      // stays the proposals' own, so the views counting outcomes do not count a resolution twice.
      const note = stringField(data, 'note');
      return { ...common, decision: stringField(data, 'happened'), reasons: note === '' ? [] : [note] };
    }
    case topics.control.name:
    case topics.entities.name: {
      // Who changed what (the scope or the entity, its version) stays in the payload; the state
      // (halted, resumed, closed; set, removed) and the reason read as columns.
      const reason = stringField(data, 'reason');
      return { ...common, decision: stringField(data, 'state'), reasons: reason === '' ? [] : [reason] };
    }
    default:
      return common;
  }
}

function outcomeColumns(common: DecisionColumns, data: EventData): DecisionColumns {
  const reason = stringField(data, 'reason');
  return {
    ...common,
    outcome: stringField(data, 'outcome'),
    reason_code: stringField(data, 'reason_code'),
    reasons: reason === '' ? [] : [reason],
    policy_ids: stringListField(data, 'policy_ids'),
    cost_usd: numberField(data, 'cost_usd'),
  };
}
