import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Calibration, CalibrationTable } from '../../core/rerank/calibrate.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { fitCalibration } from '../../eval/calibration.js';
import type { EvalStore } from '../../store/eval.js';
import type { LabStore, StoredCalibration } from '../../store/lab.js';
import type { SurfaceRoute } from '../surface.js';
import { notFound, paginate, parseBody, type AdminSurfaceDeps } from './common.js';

export const calibrationCreateSchema = z.strictObject({
  run: z.string().min(1).describe('A completed evaluation run'),
  model: z.string().min(1).describe("One of the run's models"),
  method: z.enum(['isotonic', 'platt']).default('isotonic'),
  target: z
    .string()
    .regex(/^[^/]+\/.+$/, 'must be "provider/model"')
    .optional()
    .describe('The provider/model the calibration applies to (default: what `model` routes to)'),
});

const view = (c: StoredCalibration) => ({
  id: c.id,
  object: 'calibration',
  target: c.target,
  run: c.runId,
  model: c.model,
  method: c.method,
  pairs: c.pairs,
  calibration: c.calibration,
  created_at: c.createdAt,
});

/**
 * `POST/GET /admin/v1/eval/calibrations`: fits a monotone score calibration (isotonic or
 * Platt) for one provider/model on a completed run's judgments and applies it at once to
 * aliases with `calibrate` or `min_score` served by that target (the newest one wins).
 */
export const calibrationRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'post',
    path: '/v1/eval/calibrations',
    doc: {
      tags: ['eval'],
      summary: "Fit a score calibration for a model on an evaluation run's judgments",
      description:
        "Maps the model's raw scores to the probability that a document is relevant (grade >= the run's relevant_grade; unjudged = not relevant), " +
        'by isotonic regression (pool-adjacent-violators) or Platt scaling. Aliases with `calibrate: true` or `min_score` return calibrated scores ' +
        'whenever this target serves them, with the raw score in `raw_relevance_score`.',
      request: { name: 'CalibrationCreate', schema: calibrationCreateSchema },
      status: 201,
      errors: [400, 401, 404],
    },
    handler:
      ({ evals, lab }) =>
      async (request, reply) => {
        const body = parseBody(calibrationCreateSchema, request.body);
        const run = await evals().getRun(body.run);
        if (!run) throw notFound('evaluation run', body.run);
        if (run.status !== 'completed' || !run.report) throw invalidRequest(`run '${body.run}' is ${run.status}, not completed`, 'run');
        const models = (run.report.models ?? []) as Array<{ model: string; score_labels?: { scores: number[]; relevant: number[] } }>;
        const result = models.find((m) => m.model === body.model);
        if (!result)
          throw invalidRequest(
            `run '${body.run}' has no model '${body.model}' (it has: ${models.map((m) => m.model).join(', ')})`,
            'model',
          );
        const pairs = result.score_labels;
        if (!pairs || pairs.scores.length < 2)
          throw invalidRequest(`run '${body.run}' kept no scores for '${body.model}' (runs before calibration support do not)`, 'run');
        const target = body.target ?? lab.resolve(body.model);
        if (!target) throw invalidRequest(`'${body.model}' no longer routes to a provider/model: name it in target`, 'target');
        const calibration: Calibration = fitCalibration(body.method, pairs.scores, pairs.relevant);
        const stored: StoredCalibration = {
          id: `cal_${randomUUID().replace(/-/g, '')}`,
          target,
          runId: run.id,
          model: body.model,
          method: body.method,
          calibration,
          pairs: pairs.scores.length,
          createdAt: new Date().toISOString(),
        };
        await lab.store().addCalibration(stored);
        lab.table.set(target, calibration);
        reply.code(201);
        return view(stored);
      },
  },
  {
    method: 'get',
    path: '/v1/eval/calibrations',
    doc: {
      tags: ['eval'],
      summary: 'List score calibrations (newest per target applies)',
      errors: [400, 401],
    },
    handler:
      ({ evals, lab }) =>
      async (request) => {
        return paginate((await lab.store().listCalibrations()).map(view), request.query);
      },
  },
];

/** The newest calibration of every target, for the table at start. */
export function latestCalibrations(rows: readonly StoredCalibration[]): Array<[string, Calibration]> {
  const latest = new Map<string, Calibration>();
  for (const r of rows) latest.set(r.target, r.calibration as Calibration);
  return [...latest];
}
