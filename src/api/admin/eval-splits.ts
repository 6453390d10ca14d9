import type { ModelConfig } from '../../config/schema.js';
import type { LabStore, SplitDaily } from '../../store/lab.js';
import type { SurfaceRoute } from '../surface.js';
import type { AdminSurfaceDeps } from './common.js';
import { dayRange, dayRangeQuery, ratio, sumBy } from './eval-lab-common.js';

function figures(r: SplitDaily) {
  return {
    requests: r.requests,
    errors: r.errors,
    cost_usd: r.costUsd,
    latency_ms_mean: ratio(r.latencyMsSum, r.requests - r.errors),
    feedback: r.feedback,
    mrr: ratio(r.rrSum, r.feedback),
    ctr_at_1: ratio(r.clicksAt1, r.requests),
    ctr_at_3: ratio(r.clicksAt3, r.requests),
    ctr_at_10: ratio(r.clicksAt10, r.requests),
  };
}

/**
 * `GET /admin/v1/eval/splits`: per arm of each split alias, over a range of UTC days and per
 * day: requests, errors, cost, mean latency, feedback events, MRR of clicks (over feedback
 * events) and CTR@k (responses with a click in the top k over requests).
 */
export const splitReportRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'get',
    path: '/v1/eval/splits',
    doc: {
      tags: ['eval'],
      summary: 'Traffic splits: requests, cost, latency and click metrics per arm, per UTC day',
      description:
        'MRR is the mean reciprocal rank of the best clicked result over feedback events (POST /v1/rerank/feedback); ' +
        "CTR@k is the share of the arm's requests whose feedback clicked a result in the top k.",
      query: dayRangeQuery,
      errors: [400, 401],
    },
    handler:
      ({ lab }) =>
      async (request) => {
        const { from, to } = dayRange(request.query);
        await lab.flush();
        const rows = await lab.store().splitDays(from, to);
        const totals = sumBy(rows, (r) => `${r.alias}\u0000${r.arm}`);
        const data = lab
          .aliases()
          .filter((a) => a.split)
          .map((a) => ({
            alias: a.name,
            sticky: a.split!.sticky,
            header: a.split!.header ?? null,
            arms: a.split!.arms.map((arm) => {
              const t = totals.get(`${a.name}\u0000${arm.name}`);
              return {
                name: arm.name,
                model: arm.model,
                weight: arm.weight,
                ...figures(t ?? { ...zero, alias: a.name, arm: arm.name }),
                days: rows.filter((r) => r.alias === a.name && r.arm === arm.name).map((r) => ({ day: r.day, ...figures(r) })),
              };
            }),
          }));
        return { object: 'list', from, to, data };
      },
  },
];

const zero: SplitDaily = {
  day: '',
  alias: '',
  arm: '',
  requests: 0,
  errors: 0,
  costUsd: 0,
  latencyMsSum: 0,
  feedback: 0,
  rrSum: 0,
  clicksAt1: 0,
  clicksAt3: 0,
  clicksAt10: 0,
};
