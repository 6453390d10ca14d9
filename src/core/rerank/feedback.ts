import type { RankedDocument } from '../../canonical/rerank.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { LabMetrics } from '../../observability/lab-metrics.js';
import type { RequestContext } from '../context.js';
import type { LabAggregates } from './lab-aggregates.js';

/** A served response of a split alias, kept so feedback on it can be scored for its arm. */
interface Served {
  readonly alias: string;
  readonly arm: string;
  readonly keyId: string;
  /** Document indexes in served order (the first MAX_KEPT). */
  readonly order: Int32Array;
  readonly at: number;
  answered: boolean;
}

/** Positions kept per response: clicks further down count with reciprocal rank 0. */
const MAX_KEPT = 100;

/** One feedback event, as `POST /v1/rerank/feedback` takes it. */
export interface FeedbackEvent {
  readonly id: string;
  /** The `index` of the clicked result (the document's position in the request). */
  readonly clickedIndex?: number;
  /** Several clicked or relevant results; the best-ranked one scores. */
  readonly relevantIndexes?: readonly number[];
}

export interface FeedbackScore {
  readonly alias: string;
  readonly arm: string;
  /** Rank (1-based) of the best clicked result among those served; 0 when none of them was served. */
  readonly rank: number;
  readonly reciprocalRank: number;
}

/**
 * Recent responses of split aliases (in memory, per instance, bounded by count and age) and
 * the feedback on them: the rank of the best clicked result becomes the arm's reciprocal
 * rank (MRR of clicks) and clicks at 1, 3 and 10 (CTR@k over the arm's requests). Only the
 * caller key that got a response may send feedback on it, once.
 */
export class FeedbackLedger {
  private readonly served = new Map<string, Served>();

  constructor(
    private readonly options: {
      readonly metrics?: LabMetrics;
      readonly aggregates?: LabAggregates;
      readonly maxEntries?: number;
      readonly ttlMs?: number;
      readonly now?: () => number;
    } = {},
  ) {}

  remember(id: string, alias: string, arm: string, results: readonly RankedDocument[], ctx: RequestContext): void {
    const n = Math.min(results.length, MAX_KEPT);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = results[i].index;
    const max = this.options.maxEntries ?? 100_000;
    // Insertion order is age order: drop the oldest.
    while (this.served.size >= max) this.served.delete(this.served.keys().next().value as string);
    this.served.set(id, { alias, arm, keyId: ctx.caller.keyId, order, at: this.now(), answered: false });
  }

  /** Scores one event; throws 404 for an unknown (or expired, or another key's) id, 409 for a second event. */
  record(event: FeedbackEvent, ctx: RequestContext): FeedbackScore {
    const s = this.served.get(event.id);
    const ttl = this.options.ttlMs ?? 24 * 3_600_000;
    if (!s || s.keyId !== ctx.caller.keyId || this.now() - s.at > ttl) {
      throw new GatewayError(
        'resource_not_found',
        `No recent rerank response with id '${event.id}' to take feedback on: feedback is kept for 24 hours, for responses of aliases with a traffic split, on the instance that served them`,
        { param: 'id' },
      );
    }
    if (s.answered)
      throw new GatewayError('resource_conflict', `Feedback for response '${event.id}' was already recorded`, { param: 'id' });
    const clicked = event.relevantIndexes ?? (event.clickedIndex !== undefined ? [event.clickedIndex] : []);
    const wanted = new Set(clicked);
    let rank = 0;
    for (let i = 0; i < s.order.length; i++) {
      if (wanted.has(s.order[i])) {
        rank = i + 1;
        break;
      }
    }
    s.answered = true;
    this.options.metrics?.armFeedback(s.alias, s.arm, rank);
    const row = this.options.aggregates?.split(s.alias, s.arm);
    if (row) {
      row.feedback++;
      if (rank > 0) {
        row.rrSum += 1 / rank;
        if (rank <= 1) row.clicksAt1++;
        if (rank <= 3) row.clicksAt3++;
        if (rank <= 10) row.clicksAt10++;
      }
    }
    return { alias: s.alias, arm: s.arm, rank, reciprocalRank: rank > 0 ? 1 / rank : 0 };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
