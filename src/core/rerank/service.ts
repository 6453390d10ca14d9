import { randomUUID } from 'node:crypto';
import type { RerankCall, RerankDocument, RerankRequest, RerankResult, ScoredIndex } from '../../canonical/rerank.js';
import { addUsage, emptyUsage, type Usage } from '../../canonical/usage.js';
import type { RerankCapability } from '../../providers/types.js';
import { toGatewayError } from '../../errors/gateway-error.js';
import { withFallbacks } from '../attempt.js';
import { RequestHashes } from '../cache/keys.js';
import type { PairCache } from '../cache/pair-cache.js';
import type { RequestContext } from '../context.js';
import { rerankWant } from '../limits/estimate.js';
import { withReservation } from '../limits/reserve.js';
import { gate, refuseSteeringExtras } from '../policy.js';
import { recordUsage } from '../outcome.js';
import type { ResolvedTarget, Route, Router } from '../router.js';
import { mapLimit } from '../semaphore.js';
import { truncateToTokens } from '../tokens.js';
import { callUpstream } from '../unary-call.js';
import { rankResults, slices } from './merge.js';
import { checkRerankResult } from './validate.js';
import type { ModelConfig } from '../../config/schema.js';
import type { LabMetrics } from '../../observability/lab-metrics.js';
import { calibrateScore, type CalibrationTable } from './calibrate.js';
import type { FeedbackLedger } from './feedback.js';
import type { LabAggregates } from './lab-aggregates.js';
import type { ShadowTraffic } from './shadow.js';
import { pickArm, stickyValue, type Arm } from './split.js';
import { rerankWant as worstCase } from '../limits/estimate.js';
import type { RankedDocument } from '../../canonical/rerank.js';

/** Rerank Lab parts of the service; each is optional (absent: that feature is off). */
export interface RerankLab {
  shadow?: ShadowTraffic;
  readonly feedback?: FeedbackLedger;
  readonly calibrations?: CalibrationTable;
  readonly metrics?: LabMetrics;
  readonly aggregates?: LabAggregates;
}

interface TargetScores {
  readonly scored: ScoredIndex[];
  readonly usage: Usage;
  readonly chunks: number;
  /** Set when the pair cache was consulted. */
  readonly cache?: { readonly hits: number; readonly misses: number };
}

/** Per-request cache state shared by every target the request tries. */
interface CacheUse {
  readonly cache: PairCache;
  readonly hashes: RequestHashes;
}

/**
 * Rerank, once for every provider: route the model, try targets in order, split large
 * requests into chunks the provider accepts, merge, sort, cut to top_n, price.
 */
export class RerankService {
  /** `cache` is the pair-score cache; without one nothing is cached. */
  constructor(
    private readonly router: Router,
    private readonly cache?: PairCache,
    private readonly lab: RerankLab = {},
  ) {}

  async rerank(request: RerankRequest, ctx: RequestContext): Promise<RerankResult> {
    const started = performance.now();
    ctx.outcome.operation = 'rerank';
    refuseSteeringExtras(request.extra, 'extra');
    let route = this.router.route(request.model, 'rerank', request.fallbacks, gate(ctx));
    ctx.outcome.documents = request.documents.length;
    const split = route.alias?.split;
    if (!split)
      return withReservation(
        ctx,
        route,
        (target) => rerankWant(request, target),
        () => this.serve(route, request, ctx, started),
      );
    // A split alias: the arm's model serves, the alias's own targets are its fallbacks.
    const alias = route.alias!;
    const arm = pickArm(split, alias.name, stickyValue(split, ctx));
    route = this.router.withPrimary(route, arm.model, 'rerank');
    const armRoute = route;
    try {
      const result = await withReservation(
        ctx,
        armRoute,
        (target) => rerankWant(request, target),
        () => this.serve(armRoute, request, ctx, started, arm),
      );
      this.armServed(alias, arm, result.latencyMs, result.costUsd);
      return result;
    } catch (err) {
      this.armServed(alias, arm, -1, ctx.outcome.costUsd);
      throw err;
    }
  }

  /** Per-arm traffic of a split alias (metrics and daily sums); `ms` < 0 for a failed request. */
  private armServed(alias: ModelConfig, arm: Arm, ms: number, costUsd: number): void {
    this.lab.metrics?.armServed(alias.name, arm.name, ms >= 0, ms / 1000, costUsd);
    const row = this.lab.aggregates?.split(alias.name, arm.name);
    if (!row) return;
    row.requests++;
    row.costUsd += costUsd;
    if (ms >= 0) row.latencyMsSum += ms;
    else row.errors++;
  }

  /**
   * Ranks a request on a shadow model: routing without the caller's policy (the operator chose
   * the model), no pair cache (the comparison is of what the model says now), no retries beyond
   * the provider's own. `ctx` is the shadow's own context, whose outcome records the cost.
   */
  async rankShadow(
    model: string,
    request: RerankRequest,
    ctx: RequestContext,
  ): Promise<{ results: readonly RankedDocument[]; costUsd: number }> {
    const route = this.router.route(model, 'rerank');
    ctx.outcome.documents = request.documents.length;
    const served = await withFallbacks(route, ctx, (target) => this.rankOnTarget(target, request, ctx, undefined));
    const costUsd = recordUsage(ctx, served.target, served.value.usage);
    ctx.outcome.chunks = served.value.chunks;
    return { results: rankResults(served.value.scored, request.documents, request.topN, false), costUsd };
  }

  /** Worst-case USD of ranking `request` on `model` (any of its targets), for the shadow's cost cap. */
  shadowWorstCase(model: string, request: RerankRequest): number {
    let usd = 0;
    for (const t of this.router.route(model, 'rerank').targets) usd = Math.max(usd, worstCase(request, t).usd);
    return usd;
  }

  private async serve(route: Route, request: RerankRequest, ctx: RequestContext, started: number, arm?: Arm): Promise<RerankResult> {
    const cacheOn = this.cache !== undefined && request.cache !== false && !ctx.noCache && (route.alias?.cache ?? 'pairs') === 'pairs';
    const cacheUse = cacheOn ? { cache: this.cache!, hashes: new RequestHashes(request) } : undefined;
    let served: Awaited<ReturnType<typeof withFallbacks<TargetScores>>>;
    try {
      served = await withFallbacks(route, ctx, (target) => this.rankOnTarget(target, request, ctx, cacheUse));
    } catch (err) {
      const e = toGatewayError(err);
      // Fail open only when the targets failed; a bad request stays an error.
      if (route.alias?.on_failure !== 'passthrough' || !e.allowsFallback) throw e;
      ctx.log.warn({ alias: route.alias.name, code: e.code }, 'every target failed; passing documents through unranked');
      return unrankedAnswer(request, ctx, performance.now() - started);
    }
    const { target } = served;
    const { scored, usage, chunks, cache } = served.value;
    const ranked = rankResults(scored, request.documents, request.topN, request.returnDocuments);
    const cost = recordUsage(ctx, target, usage);
    const out = ctx.outcome;
    out.chunks = chunks;
    if (cache) {
      out.cacheHits = cache.hits;
      out.cacheMisses = cache.misses;
    }
    const alias = route.alias;
    let results: readonly RankedDocument[] = ranked;
    let calibrated: boolean | undefined;
    if (alias && (alias.calibrate || alias.min_score !== undefined))
      ({ results, calibrated } = this.calibrated(alias, target.label, ranked, ctx));
    const id = randomUUID();
    // One random draw when the alias has a shadow; the call itself runs after the response.
    if (alias?.shadow && this.lab.shadow) this.lab.shadow.offer(alias, request, ranked, ctx);
    if (arm && alias && this.lab.feedback) this.lab.feedback.remember(id, alias.name, arm.name, results, ctx);
    out.rerank = {
      query: request.query.slice(0, 500),
      topN: request.topN ?? null,
      order: results.slice(0, 100).map((r) => [r.index, r.score] as const),
      fallbackIndex: served.fallbackIndex,
    };
    return {
      id,
      results,
      calibrated,
      arm: arm?.name,
      modelRequested: request.model,
      modelUsed: target.label,
      provider: target.provider.name,
      usage,
      costUsd: cost,
      latencyMs: performance.now() - started,
      chunks,
      attempts: out.attempts,
      fallbackIndex: served.fallbackIndex,
      cache,
    };
  }

  /**
   * Scores the request on one target. With the pair cache on, only documents without a
   * cached score go upstream, and the upstream is asked for every score (not just top_n)
   * so that each fresh score can be stored; in-process (listwise) rerankers are never cached.
   */
  private async rankOnTarget(
    target: ResolvedTarget,
    request: RerankRequest,
    ctx: RequestContext,
    cacheUse: CacheUse | undefined,
  ): Promise<TargetScores> {
    const capability = target.provider.adapter.capabilities.rerank!;
    const cached: ScoredIndex[] = [];
    let keys: string[] | undefined;
    let sent: number[] | undefined;
    if (cacheUse && capability.kind === 'http') {
      keys = cacheUse.hashes.keysFor(target.label);
      const found = await cacheUse.cache.getMany(keys);
      sent = [];
      for (let i = 0; i < found.length; i++) {
        const score = found[i];
        if (score === undefined) sent.push(i);
        else cached.push({ index: i, score });
      }
    }
    const all = request.documents;
    const chosen = sent && sent.length < all.length ? sent.map((i) => all[i]) : all;
    const documents = this.prepareDocuments(chosen, request.maxTokensPerDoc, capability);
    // Documents carried as raw JSON go upstream as their bytes unless the gateway changed a text.
    const raw = request.raw && (documents === chosen || documents.every((d, k) => d === chosen[k])) ? request.raw : undefined;
    const cacheStats = sent ? { hits: cached.length, misses: sent.length } : undefined;
    if (documents.length === 0) return { scored: cached, usage: emptyUsage(), chunks: 0, cache: cacheStats };

    const parts = slices(documents.length, target.provider.adapter.limits.maxDocumentsPerCall);
    const wanted = sent ? documents.length : (request.topN ?? documents.length);
    const usage = emptyUsage();

    // A request's own chunks never queue behind each other for the provider's slots.
    const inFlight = Math.min(target.provider.config.chunk_concurrency, target.provider.config.max_concurrency);
    const perChunk = await mapLimit(parts, inFlight, async ([start, end]) => {
      const call: RerankCall = {
        query: request.query,
        documents: start === 0 && end === documents.length ? documents : documents.slice(start, end),
        // Every global top-n document is in its own chunk's top-n, so this cut loses nothing.
        topN: Math.min(wanted, end - start),
        maxTokensPerDoc: request.maxTokensPerDoc,
        priority: request.priority,
        extra: request.extra,
        rawDocuments: raw ? { raw, indices: rawIndices(sent, start, end) } : undefined,
      };
      const result = await this.callOnce(target, capability, call, ctx);
      addUsage(usage, result.usage);
      const scores = result.scores;
      for (const s of scores) s.index = sent ? sent[s.index + start] : s.index + start;
      // Stored per chunk, so chunks that succeeded are kept even if a later one fails.
      if (keys && cacheUse)
        cacheUse.cache.setMany(
          scores.map((s) => keys[s.index]),
          scores.map((s) => s.score),
        );
      return scores;
    });
    const fresh = perChunk.length === 1 ? perChunk[0] : perChunk.flat();
    const scored = cached.length === 0 ? fresh : cached.concat(fresh);
    return { scored, usage, chunks: parts.length, cache: cacheStats };
  }

  private async callOnce(target: ResolvedTarget, capability: RerankCapability, call: RerankCall, ctx: RequestContext) {
    if (capability.kind === 'inprocess') {
      ctx.outcome.attempts++;
      return checkRerankResult(capability.run(call, target.upstream), call.documents.length, target.label);
    }
    // Checked inside the attempt, so a bad answer is retried like a failed call.
    return callUpstream(target, capability.build(call, target.upstream), ctx, (reply) =>
      checkRerankResult(capability.parse(reply, call), call.documents.length, target.label),
    );
  }

  /**
   * Scores mapped through the calibration of the target that served, so `min_score` means the
   * same whichever fallback answered; the map is monotone, so the order stands and the cut is
   * a prefix. Without a calibration for that target the raw scores are returned, uncut.
   */
  private calibrated(
    alias: ModelConfig,
    label: string,
    ranked: readonly RankedDocument[],
    ctx: RequestContext,
  ): { results: readonly RankedDocument[]; calibrated: boolean } {
    const c = this.lab.calibrations?.get(label);
    if (!c) {
      ctx.log.warn(
        { alias: alias.name, target: label },
        'no score calibration for the target that served: raw scores returned, min_score not applied',
      );
      return { results: ranked, calibrated: false };
    }
    const min = alias.min_score;
    const out: RankedDocument[] = [];
    for (const r of ranked) {
      const score = calibrateScore(c, r.score);
      if (min !== undefined && score < min) break;
      out.push({ ...r, score, rawScore: r.score });
    }
    return { results: out, calibrated: true };
  }

  /** Applies max_tokens_per_doc in the gateway when the provider cannot truncate itself. */
  private prepareDocuments(
    documents: readonly RerankDocument[],
    max: number | undefined,
    capability: RerankCapability,
  ): readonly RerankDocument[] {
    if (max === undefined || capability.nativeMaxTokensPerDoc) return documents;
    return documents.map((d) => {
      const text = truncateToTokens(d.text, max);
      return text === d.text ? d : { ...d, text };
    });
  }
}

/** Positions in the request's raw documents of the chunk [start, end) of what is sent. */
function rawIndices(sent: readonly number[] | undefined, start: number, end: number): ArrayLike<number> {
  if (sent) return sent.slice(start, end);
  const out = new Int32Array(end - start);
  for (let k = 0; k < out.length; k++) out[k] = start + k;
  return out;
}

/**
 * The fail-open answer (`on_failure: passthrough`) when every target failed: the documents in the caller's order with
 * decreasing placeholder scores (1, then down towards 0), marked degraded.
 */
function unrankedAnswer(request: RerankRequest, ctx: RequestContext, latencyMs: number): RerankResult {
  const n = request.documents.length;
  const scored: ScoredIndex[] = new Array(n);
  for (let i = 0; i < n; i++) scored[i] = { index: i, score: (n - i) / n };
  ctx.outcome.degraded = true;
  return {
    id: randomUUID(),
    results: rankResults(scored, request.documents, request.topN, request.returnDocuments),
    modelRequested: request.model,
    modelUsed: 'passthrough',
    provider: 'none',
    usage: emptyUsage(),
    costUsd: 0,
    latencyMs,
    chunks: 0,
    attempts: ctx.outcome.attempts,
    fallbackIndex: 0,
    degraded: true,
  };
}
