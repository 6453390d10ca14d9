/** RFC 4180 CSV: fields with commas, quotes or newlines are quoted, quotes doubled. */
export function toCsv(columns: readonly string[], rows: readonly Readonly<Record<string, unknown>>[]): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    // A leading = + - @ would run as a formula in spreadsheets: prefix it.
    const safe = /^[=+\-@]/.test(s) && !/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `${[columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n')}\r\n`;
}
