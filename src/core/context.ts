import type { Usage } from '../canonical/usage.js';
import type { Span } from '@opentelemetry/api';
import type { Logger } from '../observability/log.js';
import type { KeyLimits, Reservation, Want } from './limits/types.js';

/** The caller a request was authenticated as (anonymous when auth is `none`). */
export interface Caller {
  readonly keyId: string;
  readonly name: string;
  /** Model names or globs the key may use; undefined means every model. */
  readonly allowedModels?: readonly string[];
  /** Rate limits and budget of the key, when it has any. */
  readonly limits?: KeyLimits;
}

/** The GenAI operation a request performs (`gen_ai.operation.name`). */
export type Operation = 'rerank' | 'chat' | 'embeddings' | 'generate_content';

/** What happened while serving a request; filled by core, read by logs, metrics and usage. */
export interface Outcome {
  alias?: string;
  provider?: string;
  /** The provider's type (`cohere`, `bedrock` ...), for traces that name the vendor rather than the config name. */
  providerType?: string;
  /** What the request does, named as OpenTelemetry's GenAI conventions do; set by the core service that serves it. */
  operation?: Operation;
  upstreamModel?: string;
  attempts: number;
  retries: number;
  fallbacks: number;
  chunks: number;
  documents: number;
  cacheHits: number;
  /** Pairs looked up in the cache and not found (0 when the cache was not consulted). */
  cacheMisses: number;
  upstreamMs: number;
  usage?: Usage;
  costUsd: number;
  /** True when usage was recorded for a model with no price (billed $0 for want of one, not for free). */
  unpriced?: boolean;
  degraded: boolean;
  /** The coded error the request ended with, set by the surface's error hook. */
  errorCode?: string;
  /** Set when limits were enforced in-process because the shared limiter (Redis) was unreachable. */
  limiterDegraded?: boolean;
  /** What a rerank did, kept compactly with its usage record for the console's request detail. */
  rerank?: RerankTrace;
}

/** A rerank's inputs and answer in brief: the query (cut to 500 characters), top_n and the returned order. */
export interface RerankTrace {
  readonly query: string;
  readonly topN: number | null;
  /** `[document index, score]` in returned order, at most 100 entries. */
  readonly order: readonly (readonly [number, number])[];
  /** Which target of the route answered (0 the first). */
  readonly fallbackIndex: number;
}

/**
 * Holds a request's worst-case tokens and spend against its key's tpm and budget once core
 * has routed it, and trues the hold up when the request ends (the limit enforcer).
 */
export interface Reserver {
  /** Throws the 429 the gate would throw when the hold does not fit. */
  reserve(ctx: RequestContext, want: Want): Promise<void>;
  /** Replaces the hold by what the outcome records (nothing on failure); idempotent. */
  settle(ctx: RequestContext): void;
}

/** Per-request state passed down through core. */
export interface RequestContext {
  readonly requestId: string;
  /** Epoch milliseconds after which no new upstream attempt starts. */
  readonly deadline: number;
  readonly log: Logger;
  readonly caller: Caller;
  /** The inbound surface (`rerank`, `cohere-v2`, `bedrock` ...) for logs and metrics. */
  surface: string;
  readonly outcome: Outcome;
  /** Request headers that steer behaviour (cache-control ...), lower-cased names. */
  readonly noCache?: boolean;
  /** The request's trace span when tracing is on; upstream attempts become its children. */
  readonly span?: Span;
  /** Set once the end-of-request observers (usage, metrics, access log) have run. */
  settled?: boolean;
  /** Set by the server when the caller has limits: core reserves through it after routing. */
  reserver?: Reserver;
  /** The request's current hold; null once settled. */
  reservation?: Reservation | null;
  /** Set once the request's usage record is journaled (before its last byte goes out). */
  recorded?: boolean;
  /** The request's headers (lower-cased names), for policies keyed on one (sticky traffic splits). */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * Work that must wait until the caller has the whole answer (shadow calls): the server runs
   * each once the response has gone out, never awaiting them.
   */
  afterResponse?: Array<() => void>;
}

export interface RequestObserver {
  /** Called once per proxy request after the response went out. */
  onResponse(ctx: RequestContext, status: number, durationMs: number): void;
}

/** Journals one usage record per request, before the response's last byte goes out. */
export interface UsageSink {
  /** `route` names a request refused before its handler set the surface. */
  record(ctx: RequestContext, status: number, durationMs: number, route?: string): void;
  /** No room left for records: requests are refused (503) rather than served unrecorded. */
  full(): boolean;
}

export const newOutcome = (): Outcome => ({
  attempts: 0,
  retries: 0,
  fallbacks: 0,
  chunks: 0,
  documents: 0,
  cacheHits: 0,
  cacheMisses: 0,
  upstreamMs: 0,
  costUsd: 0,
  degraded: false,
});

export const ANONYMOUS: Caller = { keyId: 'anonymous', name: 'anonymous' };

/** Called once per proxy request after the response went out (metrics, access log, limits). */
export interface RequestObserver {
  onResponse(ctx: RequestContext, status: number, durationMs: number): void;
}

/** Journals one usage record per request, before the response's last byte goes out. */
export interface UsageSink {
  /** `route` names a request refused before its handler set the surface. */
  record(ctx: RequestContext, status: number, durationMs: number, route?: string): void;
  /** No room left for records: requests are refused (503) rather than served unrecorded. */
  full(): boolean;
}
