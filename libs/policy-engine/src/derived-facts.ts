import type { ToolDefinition } from '@airlock/contracts';
import { stringsAt } from './argument-paths';

/** What a tool's `derived` entry may extract from the strings at its paths. */
export type Extractor = 'urls' | 'url_domains' | 'email_domains';

/** The longest text an extractor reads per value; tool arguments are capped far below anyway. */
const maxTextLength = 65_536;
/** The most values one derived fact holds, and the most matches read per text. */
const maxValues = 500;

/**
 * A link as a reader's client would follow it: any scheme followed by `//` or `\\` (WHATWG URL
 * parsers read a backslash as a slash), a protocol-relative `//host`, or a bare `www.` host.
 */
const linkPattern = /(?:\b[a-z][a-z0-9+.-]{0,31}:(?:\/\/|\\\\)|(?<![\w/:])\/\/|\bwww\.)[^\s<>"'`()[\]{}]+/gi;
/**
 * The domain after an `@` that follows an address character. Matching from the `@` (not from the
 * local part) and bounding the scheme above keep both patterns linear in the text: agents write
 * these strings.
 */
const emailPattern = /(?<=[^\s<>"'`()[\]{},;:@])@([^\s<>"'`()[\]{},;:@]+)/g;

/**
 * The derived facts of a call, `context.derived.<name>`, each a set of strings: what the tool's
 * `derived` entries extract from its arguments. Hosts are normalised as a browser would (lower
 * case, IDN to punycode, percent-escapes decoded, trailing dot dropped), so a rule such as "no
 * link outside the allowlist" holds whatever the scheme or spelling.
 */
export function derivedFacts(tool: ToolDefinition, args: Record<string, unknown>): Record<string, string[]> {
  const facts: Record<string, string[]> = {};
  for (const [name, rule] of Object.entries(tool.derived ?? {})) {
    const paths = Array.isArray(rule.from) ? rule.from : [rule.from];
    const texts = paths.flatMap((path) => stringsAt(args, path));
    const values = new Set(texts.flatMap((text) => extract(rule.extract, text.slice(0, maxTextLength))));
    facts[name] = [...values].sort().slice(0, maxValues);
  }
  return facts;
}

export function extract(extractor: Extractor, text: string): string[] {
  switch (extractor) {
    case 'urls':
      return linksIn(text).map((link) => link.href);
    case 'url_domains':
      return linksIn(text).map((link) => link.host);
    case 'email_domains':
      return [...text.matchAll(emailPattern)].slice(0, maxValues).flatMap((match) => {
        const host = hostOf(match[1]);
        return host === undefined ? [] : [host];
      });
  }
}

function linksIn(text: string): { href: string; host: string }[] {
  return [...text.matchAll(linkPattern)].slice(0, maxValues).flatMap(([match]) => {
    // As a linkifier reads prose: punctuation that ends a sentence is not part of the link.
    const raw = match.replace(/[.,;:!?]+$/, '');
    const candidate = /^[a-z][a-z0-9+.-]*:/i.test(raw)
      ? raw
      : `http:${raw.startsWith('//') ? '' : '//'}${raw}`;
    try {
      const url = new URL(candidate);
      const host = normaliseHost(url.hostname);
      return host === '' ? [] : [{ href: url.href, host }];
    } catch {
      // Not a URL a client would open; its host, if any, is still worth naming.
      const host = hostOf(
        raw.replace(/^[a-z][a-z0-9+.-]*:(?:\/\/|\\\\)|^\/\//i, '').split(/[/\\?#]/)[0] ?? '',
      );
      return host === undefined ? [] : [{ href: raw, host }];
    }
  });
}

/** A host as a browser resolves it, or undefined when it is not one. */
function hostOf(text: string): string | undefined {
  try {
    const host = normaliseHost(new URL(`http://${text}`).hostname);
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

function normaliseHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, '');
}
