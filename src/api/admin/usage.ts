import type { SurfaceRoute } from '../surface.js';
import { z } from 'zod';
import type { UsageGroupBy } from '../../store/repository.js';
import { parseQuery, type AdminSurfaceDeps } from './common.js';

const GROUPS = ['key', 'model', 'provider', 'day'] as const satisfies readonly UsageGroupBy[];

/** `2026-05-01` or a full ISO timestamp, as the ISO string usage rows are compared with; empty means unset. */
const instant = (param: string) => {
  const message = `${param} must be a date (YYYY-MM-DD) or an ISO timestamp`;
  return z
    .string({ error: message })
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
      if (Number.isNaN(ms)) {
        ctx.issues.push({ code: 'custom', message, input: value });
        return z.NEVER;
      }
      return new Date(ms).toISOString();
    });
};

export const usageQuerySchema = z.object({
  group_by: z.enum(GROUPS, { error: `group_by must be one of ${GROUPS.join(', ')}` }).default('model'),
  from: instant('from').describe('Inclusive start: YYYY-MM-DD (UTC midnight) or an ISO timestamp'),
  to: instant('to').describe('Exclusive end: YYYY-MM-DD (UTC midnight) or an ISO timestamp'),
});

/**
 * `GET /admin/v1/usage?group_by=key|model|provider|day&from&to`: requests, errors and cost per
 * group, `from` inclusive and `to` exclusive. Records are written within a second of a response.
 */
export const usageRoute: SurfaceRoute<AdminSurfaceDeps> = {
  method: 'get',
  path: '/v1/usage',
  doc: {
    summary: 'Usage and cost per key, model, provider or day',
    description:
      'Answers `{object: "usage", group_by, from, to, total_cost_usd, data}`; each row holds the group value (and `name` for keys), ' +
      '`requests`, `errors`, `documents`, `search_units`, `input_tokens`, `output_tokens`, `cost_usd` and `unpriced_requests` ' +
      '(requests of models with no price, whose cost is unknown rather than $0). ' +
      'Records are written within a second of a response.',
    query: usageQuerySchema,
    errors: [400, 401],
  },
  handler:
    ({ admin: deps }) =>
    async (request) => {
      const { group_by: groupBy, from, to } = parseQuery(usageQuerySchema, request.query);
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
          unpriced_requests: r.unpriced,
        })),
      };
    },
};

/** Sums of float prices drift in the last digits; ten decimals keep every cent exact. */
const round = (usd: number): number => Math.round(usd * 1e10) / 1e10;
