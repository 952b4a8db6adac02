import type { Proposal, ReasonCode, ToolDefinition } from '@airlock/contracts';
import { currentTraceHeaders } from '@airlock/telemetry';

export type ToolCallResult =
  | { kind: 'succeeded'; status_code: number; response: unknown }
  | { kind: 'failed'; reason_code: ReasonCode; reason: string; status_code?: number; response?: unknown }
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

function prepare(call: ToolCall, secrets: ToolCallSecrets): Prepared {
  const { tool, proposal } = call;
  const base = secrets.destinations[tool.adapter.destination];
  if (base === undefined) {
    return {
      kind: 'failed',
      reason_code: 'destination_not_allowed',
      reason: `destination ${tool.adapter.destination} has no configured address`,
    };
  }
  const url = new URL(tool.adapter.path, base);
  if (!tool.allowed_hosts.includes(url.hostname)) {
    return {
      kind: 'failed',
      reason_code: 'destination_not_allowed',
      reason: `host ${url.hostname} is not on the allowlist of ${tool.name}`,
    };
  }
  const credential = secrets.credentials[`${proposal.agent_id}/${tool.name}`];
  if (credential === undefined) {
    return {
      kind: 'failed',
      reason_code: 'missing_credential',
      reason: `no credential is provisioned for ${proposal.agent_id} on ${tool.name}`,
    };
  }
  return { ok: true, url, credential };
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 4096);
  }
}

function connectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

/**
 * Calls a tool over HTTP with the credential scoped to (agent, tool) — never the agent's own key —
 * and an idempotency key derived from the proposal, so the downstream API can refuse a duplicate.
 */
export async function callHttpTool(call: ToolCall, secrets: ToolCallSecrets): Promise<ToolCallResult> {
  const prepared = prepare(call, secrets);
  if (!('ok' in prepared)) return prepared;
  try {
    const response = await fetch(prepared.url, {
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
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    const body = await readBody(response);
    if (response.ok) return { kind: 'succeeded', status_code: response.status, response: body };
    return {
      kind: 'failed',
      reason_code: 'tool_call_failed',
      reason: `${call.tool.name} answered HTTP ${response.status}`,
      status_code: response.status,
      response: body,
    };
  } catch (error) {
    if (connectionRefused(error)) {
      return {
        kind: 'failed',
        reason_code: 'tool_unreachable',
        reason: `${prepared.url.host} refused the connection; nothing was sent`,
      };
    }
    // Timed out or cut off after sending: the side effect may or may not have happened.
    return {
      kind: 'unknown',
      reason_code: 'tool_call_failed',
      reason: `${call.tool.name} call did not complete: ${(error as Error).message}`,
    };
  }
}
