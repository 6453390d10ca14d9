import type { Usage } from '../canonical/usage.js';
import type { Logger } from '../observability/log.js';

/** The caller a request was authenticated as (anonymous when auth is `none`). */
export interface Caller {
  readonly keyId: string;
  readonly name: string;
  /** Model names or globs the key may use; undefined means every model. */
  readonly allowedModels?: readonly string[];
}

/** What happened while serving a request; filled by core, read by logs, metrics and usage. */
export interface Outcome {
  alias?: string;
  provider?: string;
  upstreamModel?: string;
  attempts: number;
  retries: number;
  fallbacks: number;
  chunks: number;
  documents: number;
  cacheHits: number;
  cacheMisses: number;
  upstreamMs: number;
  usage?: Usage;
  costUsd: number;
  degraded: boolean;
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
