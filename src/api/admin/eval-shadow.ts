import type { ModelConfig } from '../../config/schema.js';
import type { LabStore, ShadowDaily } from '../../store/lab.js';
import type { SurfaceRoute } from '../surface.js';
import type { AdminSurfaceDeps } from './common.js';
import { dayRange, dayRangeQuery, ratio, sumBy } from './eval-lab-common.js';

function figures(r: ShadowDaily) {
  return {
    pairs: r.pairs,
    errors: r.errors,
    skipped: r.skipped,
    cost_usd: r.costUsd,
    overlap_at_k: ratio(r.overlapSum, r.pairs),
    jaccard_at_k: ratio(r.jaccardSum, r.pairs),
    rbo: { ext: ratio(r.rboSum, r.pairs), min: ratio(r.rboMinSum, r.pairs), max: ratio(r.rboMaxSum, r.pairs) },
    kendall_tau_b: ratio(r.tauSum, r.tauN),
    top1_agreement: ratio(r.top1Sum, r.pairs),
  };
}

/**
 * `GET /admin/v1/eval/shadow`: shadow agreement per alias and shadow, summed over a range of
 * UTC days (means of the per-request figures) and per day, with each alias's current shadow
 * settings. Figures written in the last few seconds may not be in yet (they are flushed every 5 s).
 */
export const shadowReportRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'get',
    path: '/v1/eval/shadow',
    doc: {
      tags: ['eval'],
      summary: 'Shadow traffic: agreement of each alias with its shadow model, per UTC day',
      description:
        'For each alias and shadow: compared pairs, errors, skipped samples, shadow cost, and the means of overlap@k, Jaccard@k, ' +
        "rank-biased overlap (p 0.9: extrapolated, lower and upper bound), Kendall's tau-b over shared documents and top-1 agreement.",
      query: dayRangeQuery,
      errors: [400, 401],
    },
    handler:
      ({ lab }) =>
      async (request) => {
        const { from, to } = dayRange(request.query);
        await lab.flush();
        const rows = await lab.store().shadowDays(from, to);
        const totals = sumBy(rows, (r) => `${r.alias}\u0000${r.shadow}`);
        const configured = new Map(lab.aliases().flatMap((a) => (a.shadow ? [[a.name, a.shadow] as const] : [])));
        const data = [...totals.values()].map((t) => ({
          alias: t.alias,
          shadow: t.shadow,
          config: configured.get(t.alias)?.model === t.shadow ? configured.get(t.alias) : null,
          ...figures(t),
          days: rows.filter((r) => r.alias === t.alias && r.shadow === t.shadow).map((r) => ({ day: r.day, ...figures(r) })),
        }));
        // Shadows configured but without traffic yet are listed too.
        for (const [alias, shadow] of configured) {
          if (!totals.has(`${alias}\u0000${shadow.model}`))
            data.push({ alias, shadow: shadow.model, config: shadow, ...figures(empty(alias, shadow.model)), days: [] });
        }
        return { object: 'list', from, to, data };
      },
  },
];

const empty = (alias: string, shadow: string): ShadowDaily => ({
  day: '',
  alias,
  shadow,
  pairs: 0,
  errors: 0,
  skipped: 0,
  costUsd: 0,
  overlapSum: 0,
  jaccardSum: 0,
  rboSum: 0,
  rboMinSum: 0,
  rboMaxSum: 0,
  tauSum: 0,
  tauN: 0,
  top1Sum: 0,
});
