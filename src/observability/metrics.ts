import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestContext } from '../core/context.js';
import { ERROR_CODES } from '../errors/codes.js';
import type { RequestObserver } from '../core/context.js';

/** What the metrics need to know about the configuration to keep label sets closed. */
export interface MetricsOptions {
  /**
   * The configured names right now (config file plus admin API): alias labels are these
   * aliases, `<provider>/*` or `other`; provider labels are these providers or `none`.
   */
  readonly names: () => { readonly models: ReadonlyMap<string, unknown>; readonly providers: ReadonlyMap<string, unknown> };
  /** Queue and in-flight gauges, read at scrape time. */
  readonly providerLoad?: () => Iterable<{ provider: string; inFlight: number; queued: number }>;
  /** Upstream response bytes held in memory right now (the `max_buffered_upstream_bytes` budget in use). */
  readonly bufferedUpstreamBytes?: () => number;
  /** Whether rate limits and budgets are shared across instances right now (Redis answering). */
  readonly limitsShared?: () => boolean;
  /** Dependency health (database, Redis ...), read at scrape time: `rankway_dependency_up`. */
  readonly dependencies?: () => Iterable<{ name: string; up: boolean }>;
  /** Adds Node's default process metrics (event-loop lag, heap, RSS, GC). Default true. */
  readonly processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];
const KNOWN_ERRORS: ReadonlySet<string> = new Set(Object.keys(ERROR_CODES));

/**
 * Prometheus metrics for the proxy, fed from each request's outcome once the response
 * went out. Label values come from closed sets only: configured alias and provider names,
 * surfaces chosen by code, status classes and the coded error table. A caller-typed model
 * name never becomes a label (that would let callers create unbounded series).
 */
export class GatewayMetrics implements RequestObserver {
  readonly registry = new Registry();
  private readonly names: MetricsOptions['names'];
  private readonly requests: Counter<'surface' | 'alias' | 'provider' | 'status_class' | 'error_type'>;
  private readonly duration: Histogram<'surface' | 'alias' | 'provider'>;
  private readonly upstream: Histogram<'provider'>;
  private readonly overhead: Histogram<'surface'>;
  private readonly tokens: Counter<'alias' | 'provider' | 'direction'>;
  private readonly searchUnits: Counter<'alias' | 'provider'>;
  private readonly cost: Counter<'alias' | 'provider'>;
  private readonly retries: Counter<'provider'>;
  private readonly fallbacks: Counter<'alias'>;
  private readonly chunks: Counter<'provider'>;
  private readonly cache: Counter<'result'>;
  private readonly rateLimited: Counter<'surface' | 'reason'>;
  private readonly shed: Counter<'surface' | 'reason'>;
  private readonly degraded: Counter<'alias'>;

  constructor(options: MetricsOptions) {
    this.names = options.names;
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'rankway_requests_total',
      help: 'Proxy requests by surface, alias, provider, status class and error type',
      labelNames: ['surface', 'alias', 'provider', 'status_class', 'error_type'],
      registers,
    });
    this.duration = new Histogram({
      name: 'rankway_request_duration_seconds',
      help: 'Whole request latency as the caller saw it',
      labelNames: ['surface', 'alias', 'provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.upstream = new Histogram({
      name: 'rankway_upstream_duration_seconds',
      help: 'Time spent waiting on upstream providers per request (all attempts and chunks)',
      labelNames: ['provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.overhead = new Histogram({
      name: 'rankway_overhead_duration_seconds',
      help: "Rankway's own time per request: whole request minus upstream time",
      labelNames: ['surface'],
      buckets: OVERHEAD_BUCKETS,
      registers,
    });
    this.tokens = new Counter({
      name: 'rankway_tokens_total',
      help: 'Tokens by direction',
      labelNames: ['alias', 'provider', 'direction'],
      registers,
    });
    this.searchUnits = new Counter({
      name: 'rankway_search_units_total',
      help: 'Billed search units',
      labelNames: ['alias', 'provider'],
      registers,
    });
    this.cost = new Counter({
      name: 'rankway_cost_usd_total',
      help: 'Estimated cost in US dollars',
      labelNames: ['alias', 'provider'],
      registers,
    });
    this.retries = new Counter({
      name: 'rankway_retries_total',
      help: 'Upstream retries per request, labelled with the provider that finally served it',
      labelNames: ['provider'],
      registers,
    });
    this.fallbacks = new Counter({ name: 'rankway_fallbacks_total', help: 'Moves to a fallback target', labelNames: ['alias'], registers });
    this.chunks = new Counter({
      name: 'rankway_chunks_total',
      help: 'Upstream chunk calls of chunked requests',
      labelNames: ['provider'],
      registers,
    });
    this.cache = new Counter({ name: 'rankway_cache_lookups_total', help: 'Pair cache lookups', labelNames: ['result'], registers });
    this.rateLimited = new Counter({
      name: 'rankway_rate_limit_rejections_total',
      help: 'Requests refused by rate limits or budgets',
      labelNames: ['surface', 'reason'],
      registers,
    });
    this.shed = new Counter({
      name: 'rankway_load_shed_total',
      help: 'Requests refused for capacity: a full provider queue or the upstream byte budget (overloaded), or no slot within queue_timeout_ms (provider_busy)',
      labelNames: ['surface', 'reason'],
      registers,
    });
    this.degraded = new Counter({
      name: 'rankway_degraded_responses_total',
      help: 'Responses served degraded (passthrough order)',
      labelNames: ['alias'],
      registers,
    });

    const shared = options.limitsShared;
    if (shared) {
      new Gauge({
        name: 'rankway_limits_shared',
        help: 'Rate limits and budgets are shared across instances through Redis (1) or enforced per instance (0)',
        registers,
        collect() {
          this.set(shared() ? 1 : 0);
        },
      });
    }
    const dependencies = options.dependencies;
    if (dependencies) {
      new Gauge({
        name: 'rankway_dependency_up',
        help: '1 when the dependency (database, redis ...) answers, 0 while it is down (the gateway serves degraded)',
        labelNames: ['dependency'],
        registers,
        collect() {
          for (const d of dependencies()) this.set({ dependency: d.name }, d.up ? 1 : 0);
        },
      });
    }
    const load = options.providerLoad;
    if (load) {
      new Gauge({
        name: 'rankway_upstream_in_flight',
        help: 'Upstream calls holding a concurrency slot',
        labelNames: ['provider'],
        registers,
        collect() {
          for (const p of load()) this.set({ provider: p.provider }, p.inFlight);
        },
      });
      new Gauge({
        name: 'rankway_upstream_queued',
        help: 'Upstream calls waiting for a concurrency slot',
        labelNames: ['provider'],
        registers,
        collect() {
          for (const p of load()) this.set({ provider: p.provider }, p.queued);
        },
      });
    }
    const buffered = options.bufferedUpstreamBytes;
    if (buffered) {
      new Gauge({
        name: 'rankway_upstream_buffered_bytes',
        help: 'Memory reserved now for whole upstream answers (each byte counted three times: bytes, decoded text, parsed values), out of server.max_buffered_upstream_bytes',
        registers,
        collect() {
          this.set(buffered());
        },
      });
    }
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }

  onResponse(ctx: RequestContext, status: number, durationMs: number): void {
    const o = ctx.outcome;
    const surface = ctx.surface;
    const names = this.names();
    const alias = aliasLabel(o.alias, names);
    const provider = o.provider !== undefined && names.providers.has(o.provider) ? o.provider : 'none';
    const errorType = o.errorCode === undefined ? (status < 400 ? 'none' : 'other') : KNOWN_ERRORS.has(o.errorCode) ? o.errorCode : 'other';
    this.requests.labels(surface, alias, provider, statusClass(status), errorType).inc();
    const seconds = durationMs / 1000;
    this.duration.labels(surface, alias, provider).observe(seconds);
    if (o.upstreamMs > 0) this.upstream.labels(provider).observe(o.upstreamMs / 1000);
    this.overhead.labels(surface).observe(Math.max(0, durationMs - o.upstreamMs) / 1000);

    const u = o.usage;
    if (u) {
      if (u.inputTokens > 0) this.tokens.labels(alias, provider, 'input').inc(u.inputTokens);
      if (u.outputTokens > 0) this.tokens.labels(alias, provider, 'output').inc(u.outputTokens);
      if (u.searchUnits > 0) this.searchUnits.labels(alias, provider).inc(u.searchUnits);
    }
    if (o.costUsd > 0) this.cost.labels(alias, provider).inc(o.costUsd);
    if (o.retries > 0) this.retries.labels(provider).inc(o.retries);
    if (o.fallbacks > 0) this.fallbacks.labels(alias).inc(o.fallbacks);
    if (o.chunks > 1) this.chunks.labels(provider).inc(o.chunks);
    if (o.cacheHits > 0) this.cache.labels('hit').inc(o.cacheHits);
    if (o.cacheMisses > 0) this.cache.labels('miss').inc(o.cacheMisses);
    if (o.degraded) this.degraded.labels(alias).inc();
    if (o.errorCode === 'rate_limit_exceeded' || o.errorCode === 'budget_exceeded') this.rateLimited.labels(surface, o.errorCode).inc();
    else if (o.errorCode === 'overloaded' || o.errorCode === 'provider_busy') this.shed.labels(surface, o.errorCode).inc();
  }

  /** Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function aliasLabel(alias: string | undefined, names: ReturnType<MetricsOptions['names']>): string {
  if (alias === undefined) return 'none';
  if (names.models.has(alias)) return alias;
  // `provider/model` addressing: the provider is configured, the model is caller text.
  const slash = alias.indexOf('/');
  if (slash > 0 && names.providers.has(alias.slice(0, slash))) return `${alias.slice(0, slash)}/*`;
  return 'other';
}

function statusClass(status: number): string {
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}
