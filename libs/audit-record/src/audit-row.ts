import { topics, type CloudEventEnvelope } from '@airlock/contracts';
import { objectField, stringField, type EventData } from './envelope-fields';
import { redact } from './redaction';
import { columnsOfTopic } from './topic-columns';

/** One row of ClickHouse's wide `events` table. */
export interface AuditRow {
  event_id: string;
  event_type: string;
  topic: string;
  event_time: string /* 'YYYY-MM-DD hh:mm:ss' UTC, ClickHouse DateTime text */;
  run_id: string;
  proposal_id: string;
  agent_id: string;
  tool: string;
  decision: string;
  outcome: string;
  reason_code: string;
  reasons: string[];
  policy_ids: string[];
  bundle_hash: string;
  cost_usd: number;
  trace_id: string;
  payload: string /* redacted JSON */;
}

/**
 * Any CloudEvent: the generated payload interfaces have no index signature, so a typed
 * `Envelope<K>` is not a `CloudEventEnvelope`, yet the audit must accept both.
 */
export type AuditableEnvelope = Omit<CloudEventEnvelope, 'data'> & { data: object };

export function toAuditRow(
  topic: string,
  envelope: AuditableEnvelope,
  traceId: string,
  sensitiveFieldsOf: (tool: string) => readonly string[],
): AuditRow {
  const data = (envelope.data ?? {}) as EventData;
  const identity = identityOf(data);
  const tool = identity.tool;
  return {
    event_id: envelope.id,
    event_type: envelope.type,
    topic,
    event_time: toClickHouseDateTime(envelope.time),
    run_id: envelope.runid,
    proposal_id: identity.proposal_id || envelope.proposalid || '',
    agent_id: identity.agent_id || envelope.agentid || '',
    tool,
    ...columnsOfTopic(topic, data),
    trace_id: traceId,
    payload: redactedPayload(topic, data, tool === '' ? [] : sensitiveFieldsOf(tool)),
  };
}

/** Gate events carry the whole proposal; executed and outcome events carry the ids flat. */
function identityOf(data: EventData): { proposal_id: string; agent_id: string; tool: string } {
  const source = objectField(data, 'proposal') ?? data;
  return {
    proposal_id: stringField(source, 'proposal_id'),
    agent_id: stringField(source, 'agent_id'),
    tool: stringField(source, 'tool'),
  };
}

/** ClickHouse parses DateTime text as 'YYYY-MM-DD hh:mm:ss'; the envelope's RFC 3339 time may carry any offset. */
export function toClickHouseDateTime(rfc3339: string): string {
  const time = new Date(rfc3339);
  if (Number.isNaN(time.getTime()))
    throw new RangeError(`event time ${JSON.stringify(rfc3339)} is not a date-time`);
  return time.toISOString().slice(0, 19).replace('T', ' ');
}

const omitted = '[omitted]';

function redactedPayload(topic: string, data: EventData, sensitiveFields: readonly string[]): string {
  // The agent's JWS embeds the unredacted arguments; the accepted event that follows holds them redacted.
  if (topic === topics.proposals.name) return JSON.stringify({ jws: omitted });
  // A dead letter's raw value may be any message, with its secrets in any shape, so it is not kept long term.
  if (topic === topics.dlq.name) return JSON.stringify({ ...data, raw_value: omitted });
  return JSON.stringify(redactArgumentsAndResponse(data, sensitiveFields));
}

function redactArgumentsAndResponse(data: EventData, sensitiveFields: readonly string[]): EventData {
  const copy: Record<string, unknown> = { ...data };
  const proposal = objectField(data, 'proposal');
  if (proposal !== undefined && 'arguments' in proposal) {
    copy['proposal'] = { ...proposal, arguments: redact(proposal['arguments'], sensitiveFields) };
  }
  if ('response' in data) copy['response'] = redact(data['response'], sensitiveFields);
  return copy;
}
