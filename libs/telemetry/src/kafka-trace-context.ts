import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
} from '@opentelemetry/api';

/** Span attributes every Airlock span carries, so spans, log lines and ClickHouse rows join on the same keys. */
export interface AirlockSpanIds {
  runId?: string;
  proposalId?: string;
  agentId?: string;
}

export type TraceHeaders = Record<string, string>;

const tracer = () => trace.getTracer('airlock');

export function airlockAttributes(ids: AirlockSpanIds): Attributes {
  const attributes: Attributes = {};
  if (ids.runId) attributes['airlock.run_id'] = ids.runId;
  if (ids.proposalId) attributes['airlock.proposal_id'] = ids.proposalId;
  if (ids.agentId) attributes['airlock.agent_id'] = ids.agentId;
  return attributes;
}

export function extractTraceContext(headers: Record<string, unknown>): Context {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (typeof value === 'string') carrier[key.toLowerCase()] = value;
    else if (Buffer.isBuffer(value)) carrier[key.toLowerCase()] = value.toString('utf8');
  }
  return propagation.extract(context.active(), carrier);
}

/** W3C traceparent/tracestate of the active span, to be written as Kafka headers. */
export function currentTraceHeaders(): TraceHeaders {
  const carrier: TraceHeaders = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

export function currentTraceId(): string {
  return trace.getActiveSpan()?.spanContext().traceId ?? '';
}

/** Adds the run/proposal/agent ids to the active span once a handler has parsed them. */
export function tagActiveSpan(ids: AirlockSpanIds): void {
  trace.getActiveSpan()?.setAttributes(airlockAttributes(ids));
}

/**
 * Runs `work` inside a consumer span that continues the trace found in the message headers, so a
 * proposal is one trace across every service it passes through.
 */
export async function withConsumerSpan<T>(
  spanName: string,
  headers: Record<string, unknown>,
  ids: AirlockSpanIds,
  work: () => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(headers);
  return tracer().startActiveSpan(
    spanName,
    { kind: SpanKind.CONSUMER, attributes: airlockAttributes(ids) },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** A span for work that starts outside Kafka (an HTTP approval, a timer). */
export async function withInternalSpan<T>(
  spanName: string,
  ids: AirlockSpanIds,
  work: () => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(spanName, { attributes: airlockAttributes(ids) }, async (span) => {
    try {
      return await work();
    } finally {
      span.end();
    }
  });
}

/** Runs `work` with a stored trace context active: approvals resume the trace of the proposal they decide. */
export async function withStoredTraceContext<T>(headers: TraceHeaders, work: () => Promise<T>): Promise<T> {
  return context.with(extractTraceContext(headers), work);
}
