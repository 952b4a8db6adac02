import { fillPreviewPath, stateAfter } from '@airlock/approval-rules';
import { redact } from '@airlock/audit-record';
import type { Proposal, ToolDefinition } from '@airlock/contracts';
import { currentTraceHeaders } from '@airlock/telemetry';
import { failureDetail, prepareToolRequest, redirectTarget, type ToolCallSecrets } from './http-tool-adapter';
import { maxToolResponseBytes, readToolResponse } from './tool-response';

/** What the executor read for an approver: both states with the tool's sensitive fields masked, or why not. */
export type PreviewReading =
  | { status: 'previewed'; before: Record<string, unknown>; after: Record<string, unknown> }
  | { status: 'unavailable'; reason: string };

/**
 * The most of both states one preview event carries, in characters of JSON: with the envelope, far
 * under the 256 KiB a gate reads of a message.
 */
export const maxPreviewJsonLength = 96 * 1024;

/**
 * Reads the state a call waiting for approval would change: the GET its tool file declares under
 * `preview`, to the tool's destination, with the credential of exactly this (agent, tool), under
 * the allowlist, timeout and size cap of a call. The answer is untrusted like any tool answer; a
 * preview that cannot be had says why and blocks nothing.
 */
export async function readToolPreview(
  proposal: Proposal,
  tool: ToolDefinition,
  secrets: ToolCallSecrets,
  timeoutMs: number,
): Promise<PreviewReading> {
  const preview = tool.preview;
  if (preview === undefined) return unavailable(`${tool.name} declares no preview`);
  const path = fillPreviewPath(preview.path, proposal.arguments);
  if (!path.ok) return unavailable(path.reason);
  const prepared = prepareToolRequest(tool, proposal.agent_id, path.value, secrets);
  if (!('ok' in prepared)) return unavailable(prepared.reason);
  const state = await readState(proposal, tool, prepared, timeoutMs);
  if (typeof state === 'string') return unavailable(state);
  const after = stateAfter(state, preview.after, proposal.arguments);
  if (!after.ok) return unavailable(after.reason);
  const reading: PreviewReading = {
    status: 'previewed',
    before: redact(state, tool.sensitive_fields) as Record<string, unknown>,
    after: redact(after.value, tool.sensitive_fields) as Record<string, unknown>,
  };
  const size = JSON.stringify(reading).length;
  return size > maxPreviewJsonLength
    ? unavailable(`the answer is too large to show (${size} characters of JSON before and after)`)
    : reading;
}

/** The answer as a JSON object, or why there is none. */
async function readState(
  proposal: Proposal,
  tool: ToolDefinition,
  prepared: { url: URL; credential: string },
  timeoutMs: number,
): Promise<Record<string, unknown> | string> {
  try {
    const response = await fetch(prepared.url, {
      method: 'GET',
      headers: {
        ...currentTraceHeaders(),
        authorization: `Bearer ${prepared.credential}`,
        accept: 'application/json',
        'x-airlock-run-id': proposal.run_id,
        'x-airlock-proposal-id': proposal.proposal_id,
      },
      // A redirect would carry the credential to a host the allowlist never named.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const target = redirectTarget(response.headers.get('location'), prepared.url);
      return `${tool.name} answered the preview with HTTP ${response.status} redirecting to ${target}; redirects are not followed`;
    }
    const body = await readToolResponse(response.body);
    if (response.status < 200 || response.status >= 300) {
      return `${tool.name} answered the preview with HTTP ${response.status}`;
    }
    if (body.truncated) return `the answer is larger than ${maxToolResponseBytes} bytes`;
    const answer = body.response;
    return typeof answer === 'object' && answer !== null && !Array.isArray(answer)
      ? (answer as Record<string, unknown>)
      : 'the answer is not a JSON object';
  } catch (error) {
    return `the preview read did not complete (${failureDetail(error, timeoutMs)})`;
  }
}

function unavailable(reason: string): PreviewReading {
  return { status: 'unavailable', reason: reason.slice(0, 2000) };
}
