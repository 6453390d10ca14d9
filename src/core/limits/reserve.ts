import type { RequestContext } from '../context.js';
import type { Route, ResolvedTarget } from '../router.js';
import type { Want } from './types.js';

/** True when the caller's key has a limit that holds a request's tokens or cost. */
export function needsReservation(ctx: RequestContext): boolean {
  const l = ctx.caller.limits;
  return ctx.reserver !== undefined && l !== undefined && (l.tpm !== undefined || l.budget !== undefined);
}

/**
 * Reserves a routed request's worst case before any upstream call: the largest estimate over
 * every target it may reach (primary and fallbacks), since any one of them may serve it.
 * Throws the key's 429 when the hold does not fit. Costs nothing for keys without tpm/budget.
 */
export async function reserveRoute(ctx: RequestContext, route: Route, want: (target: ResolvedTarget) => Want): Promise<void> {
  if (!needsReservation(ctx)) return;
  let tokens = 0;
  let usd = 0;
  for (const target of route.targets) {
    const w = want(target);
    if (w.tokens > tokens) tokens = w.tokens;
    if (w.usd > usd) usd = w.usd;
  }
  await ctx.reserver!.reserve(ctx, { tokens, usd });
}

/**
 * A unary request: reserve, do the work, settle as soon as it ends (success or failure), so
 * the hold never depends on the HTTP response finishing (a caller that hung up still settles).
 */
export async function withReservation<T>(
  ctx: RequestContext,
  route: Route,
  want: (target: ResolvedTarget) => Want,
  work: () => Promise<T>,
): Promise<T> {
  if (!needsReservation(ctx)) return work();
  await reserveRoute(ctx, route, want);
  try {
    return await work();
  } finally {
    ctx.reserver!.settle(ctx);
  }
}
