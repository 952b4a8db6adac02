/**
 * What the executor keeps of a tool's answer. A tool sits outside Airlock's trust boundary, so its
 * body is read within a byte cap and reduced to values that PostgreSQL, canonical JSON and the
 * executed-action event can all carry: a hostile or broken tool must not be able to crash the
 * executor, stall it, or make it publish an event that Kafka or a consumer refuses.
 */

/**
 * The most of a response body the executor keeps. The body goes into the executed-action event and
 * the attempt row, and the event must stay far under Kafka's 1 MB message limit: even a body made
 * only of control characters, which JSON escapes as six bytes each (\u0001), stays under 400 KiB.
 */
export const maxToolResponseBytes = 64 * 1024;

/**
 * JSON nested deeper than this is kept as text. Downstream, the response is serialised and
 * redacted by recursive code (JSON.stringify, canonical JSON, redaction) that overflows the stack
 * a few thousand levels down, well within 64 KiB of `[[[[`; and the executed-action event that
 * carries it two levels down must stay within the decode step's depth limit
 * (`envelopeJsonLimits.maxDepth`, 64) wherever it is read. No real tool answer nests this deep.
 */
export const maxToolResponseDepth = 32;

export interface ToolResponse {
  /** Sanitised JSON, or sanitised text when the body was not JSON that Airlock can carry. */
  response: unknown;
  /** The tool sent more than maxToolResponseBytes; the rest was not read. */
  truncated: boolean;
}

/** Reads at most maxToolResponseBytes of the body; a read error (or the call's abort) rejects. */
export async function readToolResponse(body: ReadableStream<Uint8Array> | null): Promise<ToolResponse> {
  const { bytes, truncated } = await readCapped(body, maxToolResponseBytes);
  return { response: interpretToolResponse(bytes, truncated), truncated };
}

async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  cap: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (body === null) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks, size), truncated: false };
    chunks.push(value);
    size += value.byteLength;
    if (size > cap) {
      // Cancelling closes the connection: an endless (or decompression-bomb) body is neither
      // buffered nor read to its end.
      await reader.cancel();
      return { bytes: Buffer.concat(chunks, cap), truncated: true };
    }
  }
}

/** The body as sanitised JSON when it is complete JSON Airlock can carry, otherwise as sanitised text. */
export function interpretToolResponse(bytes: Uint8Array, truncated: boolean): unknown {
  // Invalid UTF-8 (and a character cut by the cap) becomes U+FFFD: the answer is evidence to keep.
  const text = new TextDecoder().decode(bytes);
  // A body cut at the cap is no longer the document the tool sent, so it is not parsed.
  if (truncated) return sanitiseText(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return sanitiseText(text);
  }
  const sanitised = sanitiseJson(parsed);
  return sanitised.ok ? sanitised.value : sanitiseText(text);
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces with U+FFFD the characters Airlock cannot carry: NUL, which PostgreSQL stores in
 * neither text nor jsonb, and lone UTF-16 surrogates, which canonical JSON refuses (UTF-8
 * encoders disagree on them, so hashes would differ) and jsonb refuses as escapes. A tool can put
 * both in any JSON string with escapes such as "\u0000" or "\ud800".
 */
function sanitiseText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(loneSurrogate, '\uFFFD');
}

export type SanitisedJson = { ok: true; value: unknown } | { ok: false };

type Container = Record<string, unknown> | unknown[];

/**
 * A copy of a parsed JSON value with every key and string sanitised, or `ok: false` when the value
 * nests deeper than maxToolResponseDepth or holds a number JSON cannot carry (JSON.parse reads
 * 1e999 as Infinity, which canonical JSON refuses). Walks with an explicit stack, not recursion,
 * so no depth that JSON.parse accepts can overflow it.
 */
export function sanitiseJson(value: unknown): SanitisedJson {
  if (!isContainer(value)) return sanitiseScalar(value);
  const root = emptyLike(value);
  const pending: Array<{ source: Container; target: Container; depth: number }> = [
    { source: value, target: root, depth: 1 },
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const [key, member] of Object.entries(next.source)) {
      let copied: SanitisedJson;
      if (isContainer(member)) {
        if (next.depth >= maxToolResponseDepth) return { ok: false };
        const child = emptyLike(member);
        pending.push({ source: member, target: child, depth: next.depth + 1 });
        copied = { ok: true, value: child };
      } else {
        copied = sanitiseScalar(member);
        if (!copied.ok) return copied;
      }
      defineMember(next.target, sanitiseText(key), copied.value);
    }
  }
  return { ok: true, value: root };
}

function sanitiseScalar(value: unknown): SanitisedJson {
  if (typeof value === 'string') return { ok: true, value: sanitiseText(value) };
  if (typeof value === 'number') return Number.isFinite(value) ? { ok: true, value } : { ok: false };
  if (typeof value === 'boolean' || value === null) return { ok: true, value };
  return { ok: false };
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function emptyLike(value: Container): Container {
  return Array.isArray(value) ? [] : {};
}

/**
 * Defines rather than assigns: assigning a key named "__proto__" (which JSON.parse keeps as an
 * ordinary key) would replace the copy's prototype, dropping the key from the event and letting
 * the tool choose what every other property read on the copy falls back to.
 */
function defineMember(target: Container, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
