/**
 * A cell is one line on an operator's terminal: audit rows may carry a forger's text, and a newline
 * or an escape sequence in it must not fake other rows or drive the terminal.
 */
export function printable(text: string): string {
  return String(text).replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Rows under headers, each column as wide as its widest cell; an empty cell shows as `-`. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cells = [headers, ...rows].map((row) => headers.map((_, index) => printable(row[index] || '-')));
  const widths = headers.map((_, index) => Math.max(...cells.map((row) => row[index]?.length ?? 0)));
  return cells.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** JSON on one line, cut to `max` characters with `…` where it was cut. */
export function compactJson(value: unknown, max: number): string {
  const text = JSON.stringify(value) ?? '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
