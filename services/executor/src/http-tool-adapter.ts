import type { Proposal, ReasonCode, ToolDefinition } from '@airlock/contracts';
import { currentTraceHeaders } from '@airlock/telemetry';
import { readToolResponse, type ToolResponse } from './tool-response';

export type ToolCallResult =
  | { kind: 'succeeded'; status_code: number; response: unknown; response_truncated?: boolean }
  | {
      kind: 'failed';
      reason_code: ReasonCode;
      reason: string;
      status_code?: number;
      response?: unknown;
      response_truncated?: boolean;
    }
  | { kind: 'unknown'; reason_code: ReasonCode; reason: string };

export interface ToolCallSecrets {
  /** adapter destination name → base URL, e.g. {"helpdesk": "http://127.0.0.1:4010"} */
  destinations: Readonly<Record<string, string>>;
  /** "<agent-id>/<tool-name>" → the credential for exactly that pair */
  credentials: Readonly<Record<string, string>>;
}

export interface ToolCall {
  proposal: Proposal;
  tool: ToolDefinition;
  idempotencyKey: string;
  timeoutMs: number;
}

type Prepared = { ok: true; url: URL; credential: string } | Extract<ToolCallResult, { kind: 'failed' }>;

/**
 * Where a request of `agentId` to `tool` goes (`path` on the tool's configured destination) and the
 * credential it carries; refused when the destination is not configured or its host is not on the
 * tool's allowlist, or when no credential is provisioned for exactly that (agent, tool).
 */
export function prepareToolRequest(
  tool: ToolDefinition,
  agentId: string,
  path: string,
  secrets: ToolCallSecrets,
): Prepared {
  const base = secrets.destinations[tool.adapter.destination];
  if (base === undefined) {
    return {
      kind: 'failed',
      reason_code: 'destination_not_allowed',
      reason: `destination ${tool.adapter.destination} has no configured address`,
    };
  }
  const url = new URL(path, base);
  if (!tool.allowed_hosts.includes(url.hostname)) {
    return {
      kind: 'failed',
      reason_code: 'destination_not_allowed',
      reason: `host ${url.hostname} is not on the allowlist of ${tool.name}`,
    };
  }
  const credential = secrets.credentials[`${agentId}/${tool.name}`];
  if (credential === undefined) {
    return {
      kind: 'failed',
      reason_code: 'missing_credential',
      reason: `no credential is provisioned for ${agentId} on ${tool.name}`,
    };
  }
  return { ok: true, url, credential };
}

/**
 * Calls a tool over HTTP with the credential scoped to (agent, tool) — never the agent's own key —
 * and an idempotency key derived from the proposal, so the downstream API can refuse a duplicate.
 * The tool's answer is untrusted: redirects are refused, the body is capped and sanitised
 * (see tool-response.ts), and "nothing was sent" is claimed only when it is certain.
 */
export async function callHttpTool(call: ToolCall, secrets: ToolCallSecrets): Promise<ToolCallResult> {
  const prepared = prepareToolRequest(call.tool, call.proposal.agent_id, call.tool.adapter.path, secrets);
  if (!('ok' in prepared)) return prepared;
  // One deadline for the call and the body: a tool that sends its headers at once and then
  // trickles its body must not hold the executor past the timeout either.
  const signal = AbortSignal.timeout(call.timeoutMs);
  let response: Response;
  try {
    response = await send(call, prepared, signal);
  } catch (error) {
    return connectionRefused(error) ? unreachable(prepared.url) : notCompleted(call, error);
  }
  try {
    if (response.status >= 300 && response.status < 400) {
      return await refuseRedirect(call.tool, prepared.url, response);
    }
    return answered(call.tool, response.status, await readToolResponse(response.body));
  } catch (error) {
    return notCompleted(call, error);
  }
}

function send(
  call: ToolCall,
  prepared: { url: URL; credential: string },
  signal: AbortSignal,
): Promise<Response> {
  return fetch(prepared.url, {
    method: call.tool.adapter.method,
    headers: {
      ...currentTraceHeaders(),
      authorization: `Bearer ${prepared.credential}`,
      'content-type': 'application/json',
      'idempotency-key': call.idempotencyKey,
      'x-airlock-run-id': call.proposal.run_id,
      'x-airlock-proposal-id': call.proposal.proposal_id,
    },
    body: JSON.stringify(call.proposal.arguments),
    // Following a redirect would resend the arguments and these headers, credential included, to
    // wherever the tool points: a host the allowlist never named.
    redirect: 'manual',
    signal,
  });
}

/** The request went to the allowed host, so it may have been acted on; it is not sent anywhere else. */
async function refuseRedirect(
  tool: ToolDefinition,
  requested: URL,
  response: Response,
): Promise<ToolCallResult> {
  const target = redirectTarget(response.headers.get('location'), requested);
  // Frees the connection; the redirect's body is not part of any answer Airlock keeps.
  await response.body?.cancel();
  return {
    kind: 'failed',
    reason_code: 'tool_redirect_refused',
    reason: `${tool.name} answered HTTP ${response.status} redirecting to ${target}; redirects are not followed`,
    status_code: response.status,
  };
}

export function redirectTarget(location: string | null, requested: URL): string {
  if (location === null) return 'no location';
  try {
    return `host ${new URL(location, requested).host || '(none)'}`;
  } catch {
    return 'an unparseable location';
  }
}

function answered(tool: ToolDefinition, status: number, body: ToolResponse): ToolCallResult {
  const kept = {
    status_code: status,
    response: body.response,
    ...(body.truncated ? { response_truncated: true } : {}),
  };
  if (status >= 200 && status < 300) return { kind: 'succeeded', ...kept };
  return {
    kind: 'failed',
    reason_code: 'tool_call_failed',
    reason: `${tool.name} answered HTTP ${status}`,
    ...kept,
  };
}

/**
 * True only when the TCP connection to the destination was refused (redirects are never followed,
 * so that is the configured, allowed address): not a byte of the request left the executor, and
 * budget may release the reservation. A reset, a timeout or a socket closed mid-answer may all
 * come after the tool received the request.
 */
function connectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; syscall?: unknown } } | null)?.cause;
  return cause?.code === 'ECONNREFUSED' && cause.syscall === 'connect';
}

function unreachable(url: URL): ToolCallResult {
  return {
    kind: 'failed',
    reason_code: 'tool_unreachable',
    reason: `${url.host} refused the connection; nothing was sent`,
  };
}

/** The side effect may or may not have happened: the result is unknown, never failed. */
function notCompleted(call: ToolCall, error: unknown): ToolCallResult {
  return {
    kind: 'unknown',
    reason_code: 'tool_call_failed',
    reason: `${call.tool.name} call did not complete (${failureDetail(error, call.timeoutMs)}); the request may have been acted on`,
  };
}

export function failureDetail(error: unknown, timeoutMs: number): string {
  // Read by shape, not instanceof: the abort's DOMException may come from another realm.
  const { name, message, cause } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    cause?: { code?: unknown } | null;
  };
  if (name === 'TimeoutError') return `no complete answer within ${timeoutMs} ms`;
  const text = typeof message === 'string' ? message : String(error);
  // fetch reports every network failure as "fetch failed"; the cause's code says which one.
  return typeof cause?.code === 'string' ? `${text}: ${cause.code}` : text;
}
