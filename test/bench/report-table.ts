/** Plain-text table helpers shared by the report's sections. */

export function fmt(value: number | undefined): string {
  return value === undefined ? '—' : value.toFixed(1);
}

/** Columns padded to their widest cell; the first column left-aligned, the others right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, column) => Math.max(...all.map((row) => [...(row[column] ?? '')].length)));
  const line = (row: string[]) =>
    '  ' +
    row
      .map((cell, column) => {
        const pad = ' '.repeat((widths[column] ?? 0) - [...cell].length);
        return column === 0 || column === row.length - 1 ? cell + pad : pad + cell;
      })
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n');
}
