import { z } from 'zod';
import { parseQuery } from './common.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day, YYYY-MM-DD');

export const dayRangeQuery = z.object({
  from: day.optional().describe('First UTC day (default: 6 days before `to`)'),
  to: day.optional().describe('Last UTC day (default: today)'),
});

/** The `from`..`to` days of a lab report (the last 7 by default). */
export function dayRange(query: unknown): { from: string; to: string } {
  const q = parseQuery(dayRangeQuery, query);
  const to = q.to ?? new Date().toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

/** Sums rows that share a key (the per-day rows of one alias and shadow or arm). */
export function sumBy<T extends object>(rows: readonly T[], key: (r: T) => string): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    const cur = out.get(k) as Record<string, unknown> | undefined;
    if (!cur) {
      out.set(k, { ...r });
      continue;
    }
    for (const [f, v] of Object.entries(r)) if (typeof v === 'number') cur[f] = (cur[f] as number) + v;
  }
  return out;
}

export const ratio = (sum: number, n: number): number | null => (n > 0 ? sum / n : null);
