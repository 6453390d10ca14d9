import { Counter, Histogram, type Registry } from 'prom-client';

/** Agreement figures lie in [0, 1] (Kendall's tau-b in [-1, 1]): tenths are enough to see a shift. */
const UNIT_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];
const TAU_BUCKETS = [-0.5, 0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What a shadow comparison measured (see `src/core/rerank/agreement.ts`). */
export interface ShadowFigures {
  readonly overlap: number;
  readonly jaccard: number;
  readonly rbo: number;
  /** NaN with fewer than two shared documents: not observed then. */
  readonly kendallTauB: number;
  readonly top1: boolean;
}

/** Why a sampled request got no shadow call, or how the call ended. */
export type ShadowOutcome = 'compared' | 'failed' | 'skipped_qps' | 'skipped_cost' | 'skipped_in_flight';

/**
 * Rerank Lab metrics: shadow agreement per alias and shadow, and per-arm traffic and clicks
 * of split aliases. Every label value comes from the configuration (alias, shadow model and
 * arm names) or from code (outcomes, k), never from a caller.
 */
export class LabMetrics {
  private readonly shadowCalls: Counter<'alias' | 'shadow' | 'outcome'>;
  private readonly shadowCost: Counter<'alias' | 'shadow'>;
  private readonly overlap: Histogram<'alias' | 'shadow'>;
  private readonly jaccard: Histogram<'alias' | 'shadow'>;
  private readonly rbo: Histogram<'alias' | 'shadow'>;
  private readonly tau: Histogram<'alias' | 'shadow'>;
  private readonly top1: Histogram<'alias' | 'shadow'>;
  private readonly armRequests: Counter<'alias' | 'arm' | 'status'>;
  private readonly armLatency: Histogram<'alias' | 'arm'>;
  private readonly armCost: Counter<'alias' | 'arm'>;
  private readonly feedback: Counter<'alias' | 'arm'>;
  private readonly reciprocalRank: Histogram<'alias' | 'arm'>;
  private readonly clicksAt: Counter<'alias' | 'arm' | 'k'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const pair = ['alias', 'shadow'] as const;
    const arm = ['alias', 'arm'] as const;
    this.shadowCalls = new Counter({
      name: 'rankway_shadow_requests_total',
      help: 'Sampled requests of shadowed aliases, by outcome: compared, failed, or skipped (max_qps, daily_cost_cap, max_in_flight)',
      labelNames: ['alias', 'shadow', 'outcome'],
      registers,
    });
    this.shadowCost = new Counter({
      name: 'rankway_shadow_cost_usd_total',
      help: 'USD spent on shadow calls (never charged to callers)',
      labelNames: pair,
      registers,
    });
    const hist = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, labelNames: pair, buckets, registers });
    this.overlap = hist('rankway_shadow_overlap_at_k', 'Overlap@k of the served and the shadow ranking', UNIT_BUCKETS);
    this.jaccard = hist('rankway_shadow_jaccard_at_k', 'Jaccard@k of the served and the shadow ranking', UNIT_BUCKETS);
    this.rbo = hist('rankway_shadow_rbo', 'Rank-biased overlap (p 0.9, extrapolated) of the served and the shadow ranking', UNIT_BUCKETS);
    this.tau = hist(
      'rankway_shadow_kendall_tau_b',
      "Kendall's tau-b of the two models' scores over the documents both returned",
      TAU_BUCKETS,
    );
    this.top1 = hist(
      'rankway_shadow_top1_agreement',
      '1 when the served and the shadow ranking have the same top document, else 0',
      [0, 1],
    );
    this.armRequests = new Counter({
      name: 'rankway_split_requests_total',
      help: 'Requests served by each arm of a split alias, by status (ok or error)',
      labelNames: ['alias', 'arm', 'status'],
      registers,
    });
    this.armLatency = new Histogram({
      name: 'rankway_split_duration_seconds',
      help: 'Rerank time of each arm of a split alias',
      labelNames: arm,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.armCost = new Counter({
      name: 'rankway_split_cost_usd_total',
      help: 'USD spent by each arm of a split alias',
      labelNames: arm,
      registers,
    });
    this.feedback = new Counter({
      name: 'rankway_split_feedback_total',
      help: 'Feedback events (POST /v1/rerank/feedback) per arm',
      labelNames: arm,
      registers,
    });
    this.reciprocalRank = new Histogram({
      name: 'rankway_split_click_reciprocal_rank',
      help: 'Reciprocal rank of the best clicked result per feedback event (its mean is the MRR of clicks)',
      labelNames: arm,
      buckets: [0, 0.1, 0.2, 0.25, 1 / 3, 0.5, 1],
      registers,
    });
    this.clicksAt = new Counter({
      name: 'rankway_split_clicks_at_k_total',
      help: 'Responses with a click in the top k (k = 1, 3, 10); over rankway_split_requests_total it is CTR@k',
      labelNames: ['alias', 'arm', 'k'],
      registers,
    });
  }

  shadow(alias: string, shadow: string, outcome: ShadowOutcome, costUsd = 0, figures?: ShadowFigures): void {
    this.shadowCalls.labels(alias, shadow, outcome).inc();
    if (costUsd > 0) this.shadowCost.labels(alias, shadow).inc(costUsd);
    if (!figures) return;
    this.overlap.labels(alias, shadow).observe(figures.overlap);
    this.jaccard.labels(alias, shadow).observe(figures.jaccard);
    this.rbo.labels(alias, shadow).observe(figures.rbo);
    if (Number.isFinite(figures.kendallTauB)) this.tau.labels(alias, shadow).observe(figures.kendallTauB);
    this.top1.labels(alias, shadow).observe(figures.top1 ? 1 : 0);
  }

  armServed(alias: string, arm: string, ok: boolean, seconds: number, costUsd: number): void {
    this.armRequests.labels(alias, arm, ok ? 'ok' : 'error').inc();
    if (!ok) return;
    this.armLatency.labels(alias, arm).observe(seconds);
    if (costUsd > 0) this.armCost.labels(alias, arm).inc(costUsd);
  }

  armFeedback(alias: string, arm: string, rank: number): void {
    this.feedback.labels(alias, arm).inc();
    this.reciprocalRank.labels(alias, arm).observe(rank > 0 ? 1 / rank : 0);
    for (const k of [1, 3, 10]) if (rank > 0 && rank <= k) this.clicksAt.labels(alias, arm, String(k)).inc();
  }
}
