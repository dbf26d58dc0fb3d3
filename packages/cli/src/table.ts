/** Right-aligns numbers, left-aligns text, one space-padded column per key. */
export function formatTable(rows: readonly Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]);
  const cells = rows.map((row) => keys.map((k) => String(row[k])));
  const widths = keys.map((k, i) => Math.max(k.length, ...cells.map((c) => c[i].length)));
  const numeric = keys.map((k) => rows.every((row) => typeof row[k] === 'number'));
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(keys), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n');
}

/** RFC 4180 CSV. */
export function formatCsv(rows: readonly Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]);
  const quote = (v: string | number) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [keys.join(','), ...rows.map((row) => keys.map((k) => quote(row[k])).join(','))].join('\n');
}
