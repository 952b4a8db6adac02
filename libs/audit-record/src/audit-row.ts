import { topics, type CloudEventEnvelope } from '@airlock/contracts';
import type { AttestationColumns, AttestationStatus } from './attestation-columns';
import { objectField, stringField, type EventData } from './envelope-fields';
import { redact } from './redaction';
import { toClickHouseDateTime, unstorableText, type UnstorableTextCode } from './storable-text';
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
  /** The run's team, on the events that state it (accepted, executed, usage accounted). */
  team: string;
  decision: string;
  outcome: string;
  reason_code: string;
  reasons: string[];
  policy_ids: string[];
  bundle_hash: string;
  cost_usd: number;
  trace_id: string;
  payload: string /* redacted JSON */;
  attested_by: string;
  attestation: AttestationStatus;
  attestation_error: string;
}

/**
 * Any CloudEvent: the generated payload interfaces have no index signature, so a typed
 * `Envelope<K>` is not a `CloudEventEnvelope`, yet the audit must accept both.
 */
export type AuditableEnvelope = Omit<CloudEventEnvelope, 'data'> & { data: object };

/** Why an event cannot become a row; it is kept in quarantine instead, with this code. */
export type RowRefusalCode = 'unrepresentable_time' | UnstorableTextCode | 'unbuildable_row';

export type AuditRowResult =
  { ok: true; row: AuditRow } | { ok: false; code: RowRefusalCode; reason: string };

/** What the row needs besides the event: the Kafka trace header, the attestation check, the bundle. */
export interface AuditRowContext {
  traceId: string;
  attestation: AttestationColumns;
  sensitiveFieldsOf: (tool: string) => readonly string[];
}

/**
 * The audit row of an event, or why it cannot be one. Never throws, whatever the envelope holds:
 * the audit consumes every topic, forged events included, and one bad event must not stop it.
 */
export function toAuditRow(
  topic: string,
  envelope: AuditableEnvelope,
  context: AuditRowContext,
): AuditRowResult {
  try {
    return buildRow(topic, envelope, context);
  } catch (error) {
    return {
      ok: false,
      code: 'unbuildable_row',
      reason: `the event cannot become a row: ${messageOf(error)}`,
    };
  }
}

/**
 * What identifies a stored event, as the `events` sorting key does: within its run, the same id on
 * another topic is another event (an agent cannot erase a gate's row by reusing its id on
 * agent.proposals), and an unverified copy of an id neither stands in for the verified event nor
 * hides it (ADR 0007). A redelivered event has the same key and is stored once.
 */
export function storedEventKey(row: Pick<AuditRow, 'run_id' | 'topic' | 'event_id' | 'attestation'>): string {
  return JSON.stringify([row.run_id, row.topic, row.event_id, row.attestation]);
}

function buildRow(topic: string, envelope: AuditableEnvelope, context: AuditRowContext): AuditRowResult {
  const eventTime = toClickHouseDateTime(text(envelope.time, 'time'));
  if (eventTime === undefined) {
    return {
      ok: false,
      code: 'unrepresentable_time',
      reason: `event time ${JSON.stringify(envelope.time)} is not a time ClickHouse DateTime holds (1970-01-01 00:00:01 to 2105-12-31 23:59:59 UTC)`,
    };
  }
  const data = (isObject(envelope.data) ? envelope.data : {}) as EventData;
  const identity = identityOf(data);
  const tool = identity.tool;
  const row: AuditRow = {
    event_id: text(envelope.id, 'id'),
    event_type: text(envelope.type, 'type'),
    topic,
    event_time: eventTime,
    run_id: text(envelope.runid, 'runid'),
    proposal_id: identity.proposal_id || optionalText(envelope.proposalid),
    agent_id: identity.agent_id || optionalText(envelope.agentid),
    tool,
    team: stringField(data, 'team') || stringField(objectField(data, 'run') ?? {}, 'team'),
    ...columnsOfTopic(topic, data),
    trace_id: context.traceId,
    payload: redactedPayload(topic, data, tool === '' ? [] : context.sensitiveFieldsOf(tool)),
    attested_by: context.attestation.attested_by,
    attestation: context.attestation.attestation,
    attestation_error: context.attestation.attestation_error,
  };
  return refusalOf(row) ?? { ok: true, row };
}

/**
 * The first column that ClickHouse or canonical JSON would not keep faithfully: text with a lone
 * surrogate or U+0000, or a value of the wrong type (which only a caller that skipped validation,
 * or a hostile object's toJSON, could produce).
 */
function refusalOf(row: AuditRow): AuditRowResult | undefined {
  for (const [column, value] of Object.entries(row)) {
    const items: unknown[] = Array.isArray(value) ? value : [value];
    const wellTyped =
      column === 'cost_usd'
        ? typeof value === 'number' && Number.isFinite(value)
        : items.every((item) => typeof item === 'string') &&
          (Array.isArray(value) || typeof value === 'string');
    if (!wellTyped)
      return { ok: false, code: 'unbuildable_row', reason: `column ${column} would not hold its type` };
    for (const item of items) {
      const code = typeof item === 'string' ? unstorableText(item) : undefined;
      if (code !== undefined) {
        const what = code === 'lone_surrogate' ? 'a lone UTF-16 surrogate' : 'U+0000';
        return { ok: false, code, reason: `column ${column} would hold ${what}` };
      }
    }
  }
  return undefined;
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

/** The envelope is validated before it gets here; this guards callers that did not validate. */
function text(value: unknown, attribute: string): string {
  if (typeof value !== 'string') throw new TypeError(`envelope attribute ${attribute} is not a string`);
  return value;
}

function optionalText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an error that cannot be described';
  }
}

const omitted = '[omitted]';

/**
 * JSON.stringify writes a lone surrogate or U+0000 as an ASCII escape, so the payload column is
 * always storable, whatever the event data holds.
 */
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
  // A preview's states come from the tool like a response (the executor masked them already).
  for (const state of ['before', 'after']) {
    if (state in data) copy[state] = redact(data[state], sensitiveFields);
  }
  return copy;
}
