import type { EvalReranker } from './runner.js';

/** The one thing the evaluator needs of a server: Fastify's `inject` (no socket, same handlers). */
export interface Injector {
  inject(request: { method: 'POST'; url: string; headers: Record<string, string>; payload: string }): Promise<{
    statusCode: number;
    body: string;
    headers: Readonly<Record<string, string | string[] | number | undefined>>;
  }>;
}

export interface ProxyRerankerOptions {
  /** Caller key sent as a bearer token (when the gateway runs with `auth: keys`). */
  readonly apiKey?: string;
  /** Keep the pair cache on (off by default: a cached score would hide the model's latency). */
  readonly cache?: boolean;
  /** Extra headers on every call, e.g. `x-rankway-eval-run`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Reranks through the gateway's own `POST /v1/rerank`: routing, limits, fallbacks, chunking,
 * pricing and usage records are the ones real callers get. The cost comes from the
 * `x-rankway-cost-usd` header the proxy sets on priced requests.
 */
export function proxyReranker(server: Injector, options: ProxyRerankerOptions = {}): EvalReranker {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.cache !== true) headers['cache-control'] = 'no-cache';
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  return async (model, query, documents) => {
    const reply = await server.inject({
      method: 'POST',
      url: '/v1/rerank',
      headers,
      payload: JSON.stringify({ model, query, documents, return_documents: false }),
    });
    let body: { results?: Array<{ index: number; relevance_score: number }>; error?: { message?: string } };
    try {
      body = JSON.parse(reply.body) as typeof body;
    } catch {
      throw new Error(`HTTP ${reply.statusCode}: response is not JSON`);
    }
    if (reply.statusCode !== 200 || !Array.isArray(body.results)) {
      throw new Error(`HTTP ${reply.statusCode}: ${body.error?.message ?? 'no results'}`);
    }
    const scores = new Array<number | undefined>(documents.length).fill(undefined);
    for (const r of body.results) if (r.index >= 0 && r.index < documents.length) scores[r.index] = r.relevance_score;
    const cost = Number(reply.headers['x-rankway-cost-usd'] ?? 0);
    return { scores, costUsd: Number.isFinite(cost) ? cost : 0 };
  };
}
