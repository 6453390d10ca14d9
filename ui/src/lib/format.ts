/** Display formatting for the console: money, latency, counts, rates and times. Pure, no DOM. */

/** USD with enough digits to tell small amounts apart: $0.000012, $0.0123, $1.23, $12,345.68. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0.00';
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (abs >= 1) return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (abs >= 0.01) return `${sign}$${abs.toFixed(4).replace(/0{1,2}$/, '')}`;
  // Two significant digits below a cent, without scientific notation.
  const digits = Math.min(10, Math.max(2, 1 - Math.floor(Math.log10(abs))));
  const text = abs.toFixed(digits).replace(/0+$/, '');
  return `${sign}$${text === '0.' ? '0.00' : text}`;
}

/** Milliseconds: 0.4 ms, 12 ms, 1.25 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US');
}

/** A 0-1 rate as a percentage with one decimal; null as a dash. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${(rate * 100).toFixed(1)}%`;
}

/** An instant in a zone: 2026-12-07 14:05 (or 14:05:09 with seconds). */
export function formatTime(iso: string | number, tz: string, seconds = false): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  }).formatToParts(d);
  const p: Record<string, string> = {};
  for (const x of parts) p[x.type] = x.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${seconds ? `:${p.second}` : ''}`;
}

/** A bucket's label: the local hour (`12-07 14:00`) or the local day (`2026-12-07`). */
export function bucketLabel(iso: string, tz: string, unit: 'hour' | 'day'): string {
  const full = formatTime(iso, tz);
  return unit === 'day' ? full.slice(0, 10) : `${full.slice(5, 10)} ${full.slice(11, 16)}`;
}
