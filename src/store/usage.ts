import type { RequestContext, RerankTrace } from '../core/context.js';
import { recordId } from './record-id.js';

/** One row per proxied request: who, what, where it went, what it cost. */
export interface UsageRecord {
  /** Unique per record, so a batch written twice is stored once. */
  readonly id: string;
  /** The request id (callers may send their own, so it need not be unique). */
  readonly requestId: string;
  /** When the response finished: epoch milliseconds (UTC). */
  readonly ts: number;
  readonly keyId: string;
  readonly surface: string;
  readonly alias: string | null;
  readonly provider: string | null;
  readonly upstreamModel: string | null;
  readonly status: number;
  readonly latencyMs: number;
  readonly documents: number;
  readonly chunks: number;
  readonly cacheHits: number;
  readonly attempts: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly searchUnits: number;
  readonly costUsd: number;
  /** Usage was recorded for a model with no price: its $0 is a missing price, not a free call. */
  readonly unpriced?: boolean;
  /** Compact detail for the console's request view (never selected by lists); null when there is nothing to add. */
  readonly detail?: RequestDetail | null;
}

/** What the usage columns lack about one request: retries, fallbacks, upstream time and, for reranks, the trace. */
export interface RequestDetail {
  readonly retries: number;
  readonly fallbacks: number;
  readonly upstreamMs: number;
  readonly cacheMisses: number;
  readonly errorCode?: string;
  readonly rerank?: RerankTrace;
}

/** Where usage records end up (SQLite, PostgreSQL ...). Writes are batched by the caller. */
export interface UsageStore {
  /** Stores the records whose id is new (and adds exactly those to the rollups). */
  insertBatch(records: readonly UsageRecord[]): Promise<void> | void;
}

/** The key id of requests refused before a caller was known (401). */
export const UNAUTHENTICATED = 'unauthenticated';

/**
 * The record of one answered request. `route` names the surface of a request refused before
 * its handler ran (the surface is still `unknown` then).
 */
export function usageRecordFrom(ctx: RequestContext, status: number, latencyMs: number, route?: string): UsageRecord {
  const o = ctx.outcome;
  const keyId = ctx.caller.keyId;
  return {
    id: recordId(),
    requestId: ctx.requestId,
    ts: Date.now(),
    keyId: status === 401 || keyId === '' ? UNAUTHENTICATED : keyId,
    surface: ctx.surface === 'unknown' && route !== undefined ? route : ctx.surface,
    alias: o.alias ?? null,
    provider: o.provider ?? null,
    upstreamModel: o.upstreamModel ?? null,
    status,
    latencyMs,
    documents: o.documents,
    chunks: o.chunks,
    cacheHits: o.cacheHits,
    attempts: o.attempts,
    inputTokens: o.usage?.inputTokens ?? 0,
    outputTokens: o.usage?.outputTokens ?? 0,
    searchUnits: o.usage?.searchUnits ?? 0,
    costUsd: o.costUsd,
    detail: {
      retries: o.retries,
      fallbacks: o.fallbacks,
      upstreamMs: Math.round(o.upstreamMs * 10) / 10,
      cacheMisses: o.cacheMisses,
      ...(o.errorCode ? { errorCode: o.errorCode } : {}),
      ...(o.rerank ? { rerank: o.rerank } : {}),
    },
    unpriced: o.unpriced === true,
  };
}
