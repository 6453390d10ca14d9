import { z } from 'zod';
import type { SurfaceRoute } from '../surface.js';
import type { Injector } from '../../eval/proxy-reranker.js';
import { parseBody, type AdminSurfaceDeps } from './common.js';

export const playgroundSchema = z
  .object({
    query: z.string().min(1, 'query must not be empty').max(10_000),
    documents: z.array(z.string()).min(1, 'documents must hold at least one document').max(1000, 'documents: at most 1000'),
    models: z.array(z.string().min(1)).min(1, 'models: pick at least one reranker').max(8, 'models: at most 8 at once'),
    top_n: z.number().int().min(1).optional(),
    api_key: z.string().optional().describe('Caller key the calls are made with (as a real caller would); optional with auth: none'),
  })
  .strict();

/**
 * `POST /admin/v1/playground/rerank`: the same query and documents through the proxy's own
 * `POST /v1/rerank` once per model, in-process (no socket), with the caller key given: routing,
 * limits, pricing and usage records are what that caller gets. The console compares the answers.
 */
export const playgroundRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'post',
    path: '/v1/playground/rerank',
    when: ({ proxy }) => proxy !== undefined,
    doc: {
      tags: ['console'],
      summary: 'Rerank one query with several models through the proxy, for a side-by-side comparison',
      description:
        'Answers `{object: "playground.rerank", runs: [{model, status, latency_ms, cost_usd, results: [{index, relevance_score}], error}]}`; ' +
        'each run is a real proxied request made with `api_key` (recorded in usage like any other).',
      request: { name: 'PlaygroundRerank', schema: playgroundSchema },
      errors: [400, 401, 403],
    },
    handler:
      ({ proxy }) =>
      async (request) => {
        const body = parseBody(playgroundSchema, request.body);
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-rankway-playground': '1' };
        if (body.api_key) headers.authorization = `Bearer ${body.api_key}`;
        const runs = await Promise.all(
          body.models.map(async (model) => {
            const started = performance.now();
            const reply = await proxy!().inject({
              method: 'POST',
              url: '/v1/rerank',
              headers,
              payload: JSON.stringify({ model, query: body.query, documents: body.documents, top_n: body.top_n, return_documents: false }),
            });
            const latency = Math.round((performance.now() - started) * 10) / 10;
            let parsed: { results?: { index: number; relevance_score: number }[]; error?: { message?: string; code?: string } } = {};
            try {
              parsed = JSON.parse(reply.body) as typeof parsed;
            } catch {
              parsed = { error: { message: 'response is not JSON' } };
            }
            const cost = Number(reply.headers['x-rankway-cost-usd'] ?? 0);
            const ok = reply.statusCode === 200 && Array.isArray(parsed.results);
            return {
              model,
              status: reply.statusCode,
              latency_ms: latency,
              cost_usd: Number.isFinite(cost) ? cost : 0,
              request_id: String(reply.headers['x-request-id'] ?? ''),
              results: ok ? parsed.results!.map((r) => ({ index: r.index, relevance_score: r.relevance_score })) : [],
              error: ok ? null : { message: parsed.error?.message ?? `HTTP ${reply.statusCode}`, code: parsed.error?.code ?? null },
            };
          }),
        );
        return { object: 'playground.rerank', runs };
      },
  },
];
