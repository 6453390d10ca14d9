import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { UsageGroupBy } from '../../store/control.js';
import type { AdminDepsGetter } from './common.js';

const GROUPS: readonly UsageGroupBy[] = ['key', 'model', 'provider', 'day'];

/** `2026-05-01` or a full ISO timestamp, as the ISO string usage rows are compared with. */
function instant(value: string | undefined, param: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw invalidRequest(`${param} must be a date (YYYY-MM-DD) or an ISO timestamp`, param);
  return new Date(ms).toISOString();
}

/**
 * `GET /admin/v1/usage?group_by=key|model|provider|day&from&to`: requests, errors and cost per
 * group, `from` inclusive and `to` exclusive. Records are written within a second of a response.
 */
export function registerUsageRoutes(app: FastifyInstance, deps: AdminDepsGetter): void {
  app.get('/admin/v1/usage', async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const groupBy = (q.group_by ?? 'model') as UsageGroupBy;
    if (!GROUPS.includes(groupBy)) throw invalidRequest(`group_by must be one of ${GROUPS.join(', ')}`, 'group_by');
    const from = instant(q.from, 'from');
    const to = instant(q.to, 'to');
    const { store, control } = deps();
    const rows = await store.usageSummary({ groupBy, from, to });
    // Key groups also carry the key's name, when it still exists.
    const names = new Map<string, string>();
    if (groupBy === 'key') for (const k of control.current.keyring.values()) names.set(k.id, k.name);
    const total = rows.reduce((sum, r) => sum + r.costUsd, 0);
    return {
      object: 'usage',
      group_by: groupBy,
      from: from ?? null,
      to: to ?? null,
      total_cost_usd: round(total),
      data: rows.map((r) => ({
        [groupBy]: r.group,
        ...(groupBy === 'key' ? { name: (r.group !== null && names.get(r.group)) || null } : {}),
        requests: r.requests,
        errors: r.errors,
        documents: r.documents,
        search_units: r.searchUnits,
        input_tokens: r.inputTokens,
        output_tokens: r.outputTokens,
        cost_usd: round(r.costUsd),
      })),
    };
  });
}

/** Sums of float prices drift in the last digits; ten decimals keep every cent exact. */
const round = (usd: number): number => Math.round(usd * 1e10) / 1e10;
