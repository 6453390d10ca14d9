import type { RankedDocument, RerankRequest } from '../../canonical/rerank.js';
import type { ShadowConfig } from '../../config/lab.js';
import type { ModelConfig } from '../../config/schema.js';
import { toGatewayError } from '../../errors/gateway-error.js';
import { agreement } from './agreement.js';
import type { LabMetrics, ShadowOutcome } from '../../observability/lab-metrics.js';
import type { ShadowDaily } from '../../store/lab.js';
import { newOutcome, type Caller, type RequestContext } from '../context.js';
import type { LabAggregates } from './lab-aggregates.js';

/** Shadow calls are made as this caller: no allow-list, no limits, no budget; usage is recorded under its key id. */
export const SHADOW_CALLER: Caller = Object.freeze({ keyId: 'shadow', name: 'shadow' });

/** Ranks a request on the shadow model (the rerank service's own path minus policy and cache). */
export type ShadowRanker = (
  model: string,
  request: RerankRequest,
  ctx: RequestContext,
) => Promise<{ readonly results: readonly RankedDocument[]; readonly costUsd: number }>;

/** What a shadow's worst case may cost (USD), before it is called. */
export type ShadowEstimate = (model: string, request: RerankRequest) => number;

export interface ShadowOptions {
  readonly rank: ShadowRanker;
  readonly estimate: ShadowEstimate;
  readonly metrics?: LabMetrics;
  readonly aggregates?: LabAggregates;
  /** Journals the shadow call's usage record (surface and key `shadow`). */
  readonly recordUsage?: (ctx: RequestContext, status: number, durationMs: number) => void;
  /** Uniform [0, 1): seeded in tests. */
  readonly random?: () => number;
  readonly now?: () => number;
}

/** Rate, spend and concurrency of one alias's shadow on this instance. */
interface ShadowState {
  tokens: number;
  refilledAt: number;
  day: string;
  /** USD spent today, plus worst cases of calls in flight. */
  spent: number;
  held: number;
  inFlight: number;
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Shadow traffic: a sample of an alias's requests is also ranked by its `shadow` model once
 * the caller has the whole answer, and the two rankings are compared (overlap@k, Jaccard@k,
 * RBO with bounds, Kendall's tau-b, top-1). On the caller's path this costs one random draw
 * (and, when sampled, a few comparisons and one pushed closure); nothing is awaited there.
 * A sampled request is skipped, not queued, when the shadow is over `max_qps`, its daily
 * cost cap or `max_in_flight`. Shadow calls have their own caller (no limits, no budget)
 * and their usage is recorded under key and surface `shadow`.
 */
export class ShadowTraffic {
  private readonly state = new Map<string, ShadowState>();
  private readonly random: () => number;
  private readonly now: () => number;
  /** Spend already recorded today (from the database at start), by state key. */
  private seeded = new Map<string, number>();

  constructor(private readonly options: ShadowOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Today's shadow spend already stored (other instances, earlier runs) counts against the caps. */
  seed(rows: readonly ShadowDaily[]): void {
    const today = utcDay(this.now());
    const seeded = new Map<string, number>();
    for (const r of rows)
      if (r.day === today) seeded.set(stateKey(r.alias, r.shadow), (seeded.get(stateKey(r.alias, r.shadow)) ?? 0) + r.costUsd);
    this.seeded = seeded;
  }

  /**
   * Called once the served answer is known. Decides (one draw) whether to shadow it and, if
   * so, schedules the shadow call for after the response has gone out.
   */
  offer(alias: ModelConfig, request: RerankRequest, served: readonly RankedDocument[], ctx: RequestContext): void {
    const shadow = alias.shadow;
    if (!shadow || this.random() >= shadow.sample_rate) return;
    // The caps are checked and taken once the answer is out: a response that never completes
    // (the caller hung up) holds nothing.
    const task = (): void => this.start(alias.name, shadow, request, served, ctx);
    if (ctx.afterResponse) ctx.afterResponse.push(task);
    else ctx.afterResponse = [task];
  }

  private start(alias: string, shadow: ShadowConfig, request: RerankRequest, served: readonly RankedDocument[], ctx: RequestContext): void {
    let verdict: ReturnType<ShadowTraffic['admit']>;
    try {
      verdict = this.admit(alias, shadow, request);
    } catch (err) {
      // The shadow model no longer routes (a config change): counted as a failure, never thrown at the server.
      ctx.log.debug({ alias, shadow: shadow.model, err }, 'shadow call not started');
      this.options.metrics?.shadow(alias, shadow.model, 'failed');
      return;
    }
    if (typeof verdict === 'string') {
      this.options.metrics?.shadow(alias, shadow.model, verdict);
      if (this.options.aggregates) this.options.aggregates.shadow(alias, shadow.model).skipped++;
      return;
    }
    void this.run(alias, shadow, request, served, ctx, verdict);
  }

  /** The caps, checked and taken together: a hold on rate, spend and a slot, or why not. */
  private admit(alias: string, shadow: ShadowConfig, request: RerankRequest): { state: ShadowState; hold: number } | ShadowOutcome {
    const key = stateKey(alias, shadow.model);
    const now = this.now();
    let s = this.state.get(key);
    const day = utcDay(now);
    if (!s) {
      s = { tokens: Math.max(1, shadow.max_qps), refilledAt: now, day, spent: this.seeded.get(key) ?? 0, held: 0, inFlight: 0 };
      this.state.set(key, s);
    }
    if (s.day !== day) {
      s.day = day;
      s.spent = 0;
    }
    const burst = Math.max(1, shadow.max_qps);
    s.tokens = Math.min(burst, s.tokens + ((now - s.refilledAt) / 1000) * shadow.max_qps);
    s.refilledAt = now;
    if (s.inFlight >= shadow.max_in_flight) return 'skipped_in_flight';
    if (s.tokens < 1) return 'skipped_qps';
    const hold = this.options.estimate(shadow.model, request);
    if (s.spent + s.held + hold > shadow.daily_cost_cap) return 'skipped_cost';
    s.tokens -= 1;
    s.held += hold;
    s.inFlight++;
    return { state: s, hold };
  }

  private async run(
    alias: string,
    shadow: ShadowConfig,
    request: RerankRequest,
    served: readonly RankedDocument[],
    callerCtx: RequestContext,
    taken: { state: ShadowState; hold: number },
  ): Promise<void> {
    const started = this.now();
    const outcome = newOutcome();
    outcome.alias = alias;
    const ctx: RequestContext = {
      requestId: `${callerCtx.requestId}:shadow`,
      deadline: started + shadow.timeout_ms,
      log: callerCtx.log,
      caller: SHADOW_CALLER,
      surface: 'shadow',
      outcome,
    };
    const { state } = taken;
    const agg = this.options.aggregates?.shadow(alias, shadow.model);
    let status = 200;
    try {
      const { results, costUsd } = await this.options.rank(shadow.model, request, ctx);
      state.spent += costUsd;
      // A request with fewer documents than k is compared to its own depth (3 of 3 shared is full overlap).
      const a = agreement(toScored(served), toScored(results), Math.max(1, Math.min(shadow.k, served.length, results.length)));
      this.options.metrics?.shadow(alias, shadow.model, 'compared', costUsd, {
        overlap: a.overlap,
        jaccard: a.jaccard,
        rbo: a.rbo.ext,
        kendallTauB: a.kendallTauB,
        top1: a.top1,
      });
      if (agg) {
        agg.pairs++;
        agg.costUsd += costUsd;
        agg.overlapSum += a.overlap;
        agg.jaccardSum += a.jaccard;
        agg.rboSum += a.rbo.ext;
        agg.rboMinSum += a.rbo.min;
        agg.rboMaxSum += a.rbo.max;
        if (Number.isFinite(a.kendallTauB)) {
          agg.tauSum += a.kendallTauB;
          agg.tauN++;
        }
        if (a.top1) agg.top1Sum++;
      }
    } catch (err) {
      const e = toGatewayError(err);
      status = e.status;
      outcome.errorCode = e.code;
      state.spent += outcome.costUsd;
      this.options.metrics?.shadow(alias, shadow.model, 'failed', outcome.costUsd);
      if (agg) {
        agg.errors++;
        agg.costUsd += outcome.costUsd;
      }
      ctx.log.debug({ alias, shadow: shadow.model, code: e.code }, 'shadow call failed');
    } finally {
      state.held -= taken.hold;
      state.inFlight--;
    }
    this.options.recordUsage?.(ctx, status, this.now() - started);
  }
}

const stateKey = (alias: string, shadow: string): string => `${alias}\u0000${shadow}`;

/** Raw scores where the served ranking was calibrated: the shadow's are raw too. */
const toScored = (results: readonly RankedDocument[]) => results.map((r) => ({ id: r.index, score: r.rawScore ?? r.score }));
