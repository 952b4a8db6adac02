/**
 * What text and times a hashed audit row may hold. A row is hashed when written and re-hashed when
 * `verify-run` reads it back, so every column must come back from ClickHouse exactly as written;
 * what would not is refused before the row is built, never discovered later as a broken chain.
 */

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const loneSurrogates = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export type UnstorableTextCode = 'lone_surrogate' | 'nul_character';

/** Why this text cannot be a column of a hashed row, or undefined when it can. */
export function unstorableText(text: string): UnstorableTextCode | undefined {
  // Canonical JSON refuses a lone surrogate (no stable UTF-8 form) and ClickHouse refuses its escape.
  if (loneSurrogate.test(text)) return 'lone_surrogate';
  // ClickHouse keeps U+0000, but clickhouse-client and other C tools show the text cut there: an
  // analyst would read an id that is not the stored one.
  if (text.includes('\u0000')) return 'nul_character';
  return undefined;
}

/**
 * The text with lone surrogates and U+0000 replaced by U+FFFD and cut to maxLength code units
 * (without splitting a pair): for words audit writes itself about hostile input, such as a
 * quarantine reason quoting a forged key id, which must never be refused in turn.
 */
export function storableText(text: string, maxLength: number): string {
  const clean = text.replace(loneSurrogates, '\uFFFD').replaceAll('\u0000', '\uFFFD');
  if (clean.length <= maxLength) return clean;
  const last = clean.charCodeAt(maxLength - 1);
  return `${clean.slice(0, last >= 0xd800 && last <= 0xdbff ? maxLength - 1 : maxLength)}…`;
}

/**
 * ClickHouse's DateTime is seconds since 1970 in 32 bits, and 18.16 reads text outside its
 * calendar back as something else without an error: '0001-01-01 00:00:00' and even
 * '1970-01-01 00:00:00' come back as '0000-00-00 00:00:00', '2106-02-07 06:28:15' as a time in
 * 1970. These are the first and last seconds that read back exactly on 18.16 and current releases.
 */
export const firstStorableSecond = Date.UTC(1970, 0, 1, 0, 0, 1) / 1000;
export const lastStorableSecond = Date.UTC(2105, 11, 31, 23, 59, 59) / 1000;

/**
 * The time as ClickHouse DateTime text ('YYYY-MM-DD hh:mm:ss', UTC, fraction dropped), or
 * undefined when it is not a time or lies outside what DateTime stores faithfully. The envelope's
 * RFC 3339 time may carry any offset.
 */
export function toClickHouseDateTime(time: string | Date): string | undefined {
  const instant = typeof time === 'string' ? new Date(time) : time;
  const milliseconds = instant.getTime();
  if (Number.isNaN(milliseconds)) return undefined;
  const second = Math.floor(milliseconds / 1000);
  if (second < firstStorableSecond || second > lastStorableSecond) return undefined;
  return new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
