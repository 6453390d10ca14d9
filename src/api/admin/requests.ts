import { z } from 'zod';
import type { SurfaceRoute } from '../surface.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { RequestFilter, RequestRow } from '../../store/console.js';
import { notFound, parseQuery, type AdminSurfaceDeps } from './common.js';

const LIMIT_MESSAGE = 'limit must be an integer from 1 to 200';
const time = (param: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) {
        ctx.issues.push({ code: 'custom', message: `${param} must be an ISO timestamp`, input: value });
        return z.NEVER;
      }
      return ms;
    });
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const latency = (param: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) {
        ctx.issues.push({ code: 'custom', message: `${param} must be a non-negative number of milliseconds`, input: value });
        return z.NEVER;
      }
      return n;
    });

export const requestListQuerySchema = z.object({
  from: time('from').describe('Inclusive start (ISO)'),
  to: time('to').describe('Exclusive end (ISO)'),
  key_id: optionalText.describe('Caller key id'),
  model: optionalText.describe('Model (alias) as requested'),
  provider: optionalText.describe('Provider that served'),
  surface: optionalText.describe('Inbound surface (rerank, cohere-v2, openai ...)'),
  status: z
    .string()
    .optional()
    .transform((value, ctx): RequestFilter['status'] => {
      if (value === undefined || value === '') return undefined;
      if (value === 'error') return 'error';
      const cls = /^([1-5])xx$/.exec(value);
      if (cls) return { class: Number(cls[1]) };
      if (/^[1-5]\d\d$/.test(value)) return Number(value);
      ctx.issues.push({ code: 'custom', message: 'status must be a code (429), a class (4xx) or "error"', input: value });
      return z.NEVER;
    })
    .describe('An HTTP status (429), a class (4xx) or `error` (400 and above)'),
  min_latency_ms: latency('min_latency_ms').describe('At least this latency'),
  max_latency_ms: latency('max_latency_ms').describe('At most this latency'),
  limit: z.coerce.number({ error: LIMIT_MESSAGE }).int(LIMIT_MESSAGE).min(1, LIMIT_MESSAGE).max(200, LIMIT_MESSAGE).default(50),
  cursor: optionalText.describe('`next_cursor` of the previous page'),
});

/** Keyset cursor: the last row's time and id, so page 1000 costs what page 1 does. */
const encodeCursor = (row: RequestRow): string => Buffer.from(`${row.ts}.${row.id}`).toString('base64url');
function decodeCursor(cursor: string): { ts: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const dot = text.indexOf('.');
  const ts = Number(text.slice(0, dot));
  if (dot <= 0 || !Number.isSafeInteger(ts) || dot === text.length - 1)
    throw invalidRequest('cursor is not one this API returned', 'cursor');
  return { ts, id: text.slice(dot + 1) };
}

/** The wire form of a list row (snake_case, ISO time). */
export const requestJson = (r: RequestRow) => ({
  id: r.id,
  request_id: r.requestId,
  created_at: new Date(r.ts).toISOString(),
  key_id: r.keyId,
  surface: r.surface,
  model: r.alias,
  provider: r.provider,
  upstream_model: r.upstreamModel,
  status: r.status,
  latency_ms: r.latencyMs,
  documents: r.documents,
  chunks: r.chunks,
  cache_hits: r.cacheHits,
  attempts: r.attempts,
  input_tokens: r.inputTokens,
  output_tokens: r.outputTokens,
  search_units: r.searchUnits,
  cost_usd: r.costUsd,
});

/** `GET /admin/v1/requests` (keyset-paginated, filterable, never payloads) and `GET /admin/v1/requests/{id}`. */
export const requestRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'get',
    path: '/v1/requests',
    doc: {
      tags: ['admin', 'console'],
      summary: 'Recorded requests, newest first, filtered and keyset-paginated',
      description:
        'Answers `{object: "list", data, has_more, next_cursor}`. Rows hold the usage columns only (never bodies); pass `next_cursor` ' +
        'as `cursor` for the next page.',
      query: requestListQuerySchema,
      errors: [400, 401, 403],
    },
    handler:
      ({ admin: deps }) =>
      async (request) => {
        const q = parseQuery(requestListQuerySchema, request.query);
        const rows = await deps().store.console.listRequests({
          from: q.from,
          to: q.to,
          keyId: q.key_id,
          model: q.model,
          provider: q.provider,
          surface: q.surface,
          status: q.status,
          minLatencyMs: q.min_latency_ms,
          maxLatencyMs: q.max_latency_ms,
          before: q.cursor ? decodeCursor(q.cursor) : undefined,
          // One more than asked says whether another page exists without counting.
          limit: q.limit + 1,
        });
        const page = rows.slice(0, q.limit);
        const more = rows.length > q.limit;
        return {
          object: 'list',
          data: page.map(requestJson),
          has_more: more,
          next_cursor: more ? encodeCursor(page[page.length - 1]) : null,
        };
      },
  },
  {
    method: 'get',
    path: '/v1/requests/:id',
    doc: {
      tags: ['admin', 'console'],
      summary: 'One recorded request with its detail (for reranks: query, top_n, returned order with scores, fallbacks)',
      description:
        'The list row plus `detail`: retries, fallbacks, upstream and gateway time, cache misses, the error code and, for a rerank, ' +
        'the query (first 500 characters), top_n, the target that answered and the returned order with scores (first 100). Bodies are not stored.',
      errors: [401, 403, 404],
    },
    handler:
      ({ admin: deps }) =>
      async (request) => {
        const row = await deps().store.console.getRequest((request.params as { id: string }).id);
        if (!row) throw notFound('request', (request.params as { id: string }).id);
        const d = row.detail;
        return {
          object: 'request',
          ...requestJson(row),
          detail: d && {
            retries: d.retries,
            fallbacks: d.fallbacks,
            upstream_ms: d.upstreamMs,
            gateway_ms: Math.max(0, Math.round((row.latencyMs - d.upstreamMs) * 10) / 10),
            cache_misses: d.cacheMisses,
            error_code: d.errorCode ?? null,
            rerank: d.rerank && {
              query: d.rerank.query,
              top_n: d.rerank.topN,
              fallback_index: d.rerank.fallbackIndex,
              results: d.rerank.order.map(([index, score]) => ({ index, relevance_score: score })),
            },
          },
        };
      },
  },
];
