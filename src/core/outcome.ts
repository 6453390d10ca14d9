import type { Usage } from '../canonical/usage.js';
import type { RequestContext } from './context.js';
import { costUsd, defaultPrice } from './pricing.js';
import type { PriceConfig } from '../config/schema.js';
import type { ResolvedTarget } from './router.js';

/** Names the target that served the request in its outcome (logs, metrics, usage records). */
export function recordTarget(ctx: RequestContext, target: ResolvedTarget): void {
  ctx.outcome.provider = target.provider.name;
  ctx.outcome.providerType = target.provider.adapter.type;
  ctx.outcome.upstreamModel = target.model;
}

/**
 * Records what the target used and what it cost: the model's own `price`, else the list
 * price of the upstream model. Returns the cost in USD.
 */
export function recordUsage(ctx: RequestContext, target: ResolvedTarget, usage: Usage): number {
  recordTarget(ctx, target);
  const price = target.price ?? defaultPrice(target.model);
  const cost = costUsd(usage, price);
  ctx.outcome.usage = usage;
  ctx.outcome.costUsd = cost;
  // The built-in local reranker costs nothing by design; anything else without a price is unknown, not free.
  ctx.outcome.unpriced = price === undefined && target.provider.adapter.type !== 'local';
  return cost;
}

/** Records usage billed at an explicit price (batch jobs bill at their own rate). */
export function recordUsageAt(ctx: RequestContext, target: ResolvedTarget, usage: Usage, price: PriceConfig | undefined): number {
  recordTarget(ctx, target);
  const cost = costUsd(usage, price);
  ctx.outcome.usage = usage;
  ctx.outcome.costUsd = cost;
  ctx.outcome.unpriced = price === undefined;
  return cost;
}
