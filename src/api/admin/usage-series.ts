import { z } from 'zod';
import type { SurfaceRoute } from '../surface.js';
import { bucketBounds, bucketIndex, isTimeZone, quantile, slicePlan, type BucketUnit } from '../../core/zoned-buckets.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { ConsoleStore, SeriesTotals } from '../../store/console.js';
import { parseQuery, type AdminSurfaceDeps } from './common.js';

const MAX_BUCKETS = 2000;

const instantParam = (param: string) => {
  const message = `${param} must be an ISO timestamp or a date (YYYY-MM-DD, UTC midnight)`;
  return z
    .string({ error: message })
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
      if (Number.isNaN(ms)) {
        ctx.issues.push({ code: 'custom', message, input: value });
        return z.NEVER;
      }
      return ms;
    });
};

export const seriesQuerySchema = z.object({
  from: instantParam('from').describe('Inclusive start (ISO); default 24 hours before `to`'),
  to: instantParam('to').describe('Exclusive end (ISO); default now'),
  tz: z
    .string()
    .default('UTC')
    .refine(isTimeZone, { message: 'tz must be an IANA time zone such as Europe/Paris' })
    .describe('IANA time zone the buckets follow (local hours or days, DST included)'),
  bucket: z.enum(['hour', 'day'], { error: 'bucket must be hour or day' }).default('hour').describe('Bucket size'),
  key_id: z.string().min(1).optional().describe('Only this caller key'),
});

export interface SeriesOptions {
  readonly from: number;
  readonly to: number;
  readonly tz: string;
  readonly unit: BucketUnit;
  readonly keyId?: string;
}

const zero = (): SeriesTotals => ({
  requests: 0,
  errors: 0,
  documents: 0,
  inputTokens: 0,
  outputTokens: 0,
  searchUnits: 0,
  costUsd: 0,
  latencyMsSum: 0,
});
const addTo = (t: SeriesTotals, s: SeriesTotals): void => {
  t.requests += s.requests;
  t.errors += s.errors;
  t.documents += s.documents;
  t.inputTokens += s.inputTokens;
  t.outputTokens += s.outputTokens;
  t.searchUnits += s.searchUnits;
  t.costUsd += s.costUsd;
  t.latencyMsSum += s.latencyMsSum;
};
const round = (n: number, digits = 10): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Requests, errors, cost and latency per local hour or day over `[from, to)`, and totals over
 * the whole range, all computed here: whole UTC hours from the hourly rollup, the edges (and
 * hours a zone's boundary cuts) from raw records by minute, percentiles from one index scan.
 */
export async function buildSeries(store: ConsoleStore, o: SeriesOptions) {
  let bounds: number[];
  try {
    bounds = bucketBounds(o.tz, o.from, o.to, o.unit, MAX_BUCKETS);
  } catch {
    throw invalidRequest(`The range holds more than ${MAX_BUCKETS} ${o.unit} buckets: narrow it or use bucket=day`, 'bucket');
  }
  const plan = slicePlan(bounds, o.from, o.to);
  const [hours, minutes, profile] = await Promise.all([
    store.hourlySlices(plan.hours[0], plan.hours[1], o.keyId),
    store.minuteSlices(plan.raw, o.keyId),
    store.latencyProfile(o.from, o.to, o.keyId),
  ]);
  const buckets = bounds.slice(0, -1).map(() => zero());
  const totals = zero();
  for (const s of [...hours.filter((h) => !plan.cut.has(h.at)), ...minutes]) {
    const i = bucketIndex(bounds, s.at);
    if (i >= 0) addTo(buckets[i], s);
    addTo(totals, s);
  }
  const hitRate = profile.cacheDocuments > 0 ? profile.cacheHits / profile.cacheDocuments : null;
  return {
    object: 'usage_series' as const,
    tz: o.tz,
    bucket: o.unit,
    from: new Date(o.from).toISOString(),
    to: new Date(o.to).toISOString(),
    totals: {
      requests: totals.requests,
      errors: totals.errors,
      documents: totals.documents,
      input_tokens: totals.inputTokens,
      output_tokens: totals.outputTokens,
      search_units: round(totals.searchUnits, 6),
      cost_usd: round(totals.costUsd),
      avg_latency_ms: totals.requests ? round(totals.latencyMsSum / totals.requests, 1) : null,
      latency_p50_ms: quantile(profile.histogram, 0.5),
      latency_p95_ms: quantile(profile.histogram, 0.95),
      cache_hits: profile.cacheHits,
      cache_hit_rate: hitRate === null ? null : round(hitRate, 6),
      errors_by_status: profile.errorsByStatus,
    },
    data: buckets.map((b, i) => ({
      start: new Date(bounds[i]).toISOString(),
      end: new Date(bounds[i + 1]).toISOString(),
      requests: b.requests,
      errors: b.errors,
      documents: b.documents,
      input_tokens: b.inputTokens,
      output_tokens: b.outputTokens,
      cost_usd: round(b.costUsd),
      avg_latency_ms: b.requests ? round(b.latencyMsSum / b.requests, 1) : null,
    })),
  };
}

/** Resolves the range defaults: the last 24 hours. */
export function seriesRange(from: number | undefined, to: number | undefined): { from: number; to: number } {
  const end = to ?? Date.now();
  const start = from ?? end - 86_400_000;
  if (!(start < end)) throw invalidRequest('from must be before to', 'from');
  return { from: start, to: end };
}

/** `GET /admin/v1/usage/series`: the Overview's figures, bucketed in the viewer's time zone. */
export const usageSeriesRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'get',
    path: '/v1/usage/series',
    doc: {
      tags: ['admin', 'console'],
      summary: 'Requests, errors, cost and latency per local hour or day, with totals over the whole range',
      description:
        'Buckets follow `tz` (an IANA zone; DST days have 23 or 25 hours). `totals` are computed over the whole range: ' +
        'requests, errors, cost, p50/p95 latency, cache hit rate and errors by HTTP status. Hours come from the hourly ' +
        'rollup (kept as long as raw records: `storage.usage_retention_days`).',
      query: seriesQuerySchema,
      errors: [400, 401, 403],
    },
    handler:
      ({ admin: deps }) =>
      async (request) => {
        const q = parseQuery(seriesQuerySchema, request.query);
        const range = seriesRange(q.from, q.to);
        return buildSeries(deps().store.console, { ...range, tz: q.tz, unit: q.bucket, keyId: q.key_id });
      },
  },
];
