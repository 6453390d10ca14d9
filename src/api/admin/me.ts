import type { SurfaceRoute } from '../surface.js';
import { periodEnd, periodStart } from '../../core/limits/types.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { parseQuery, type AdminSurfaceDeps } from './common.js';
import { buildSeries, seriesQuerySchema, seriesRange } from './usage-series.js';

const meQuerySchema = seriesQuerySchema.omit({ key_id: true });

/**
 * `GET /admin/v1/me`: for a caller key, its own usage series over a range, its limits and the
 * budget left in the current period. The only admin route a caller key may call (see roles.ts).
 */
export const meRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'get',
    path: '/v1/me',
    doc: {
      tags: ['console'],
      summary: 'The signed-in caller key: its usage over a range, its limits and the budget left',
      description:
        'Called with a caller key (not the admin key). `usage` has the shape of `GET /admin/v1/usage/series` for this key only; ' +
        '`budget.spent_usd` is the spend recorded since the start of the current budget period (UTC).',
      query: meQuerySchema,
      errors: [400, 401, 403],
    },
    handler:
      ({ admin: deps }) =>
      async (request) => {
        const caller = request.principal?.caller;
        if (!caller) throw new GatewayError('permission_denied', 'GET /admin/v1/me answers for a caller key; sign in with one');
        const q = parseQuery(meQuerySchema, request.query);
        const { store } = deps();
        const usage = await buildSeries(store.console, { ...seriesRange(q.from, q.to), tz: q.tz, unit: q.bucket, keyId: caller.keyId });
        const limits = caller.limits ?? {};
        let budget = null;
        if (limits.budget) {
          const now = Date.now();
          const since = new Date(periodStart(limits.budget.period, now)).toISOString();
          const spent = (await store.spendSince(since)).get(caller.keyId) ?? 0;
          budget = {
            usd: limits.budget.usd,
            period: limits.budget.period,
            period_start: since,
            resets_at: new Date(periodEnd(limits.budget.period, now)).toISOString(),
            spent_usd: Math.round(spent * 1e10) / 1e10,
            left_usd: Math.max(0, Math.round((limits.budget.usd - spent) * 1e10) / 1e10),
          };
        }
        return {
          object: 'me',
          key: { id: caller.keyId, name: caller.name, allowed_models: caller.allowedModels ?? null },
          limits: { rpm: limits.rpm ?? null, tpm: limits.tpm ?? null, rpd: limits.rpd ?? null },
          budget,
          usage,
        };
      },
  },
];
