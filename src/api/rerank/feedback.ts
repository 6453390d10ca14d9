import { z } from 'zod';
import type { FeedbackLedger } from '../../core/rerank/feedback.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { SurfaceRoute } from '../surface.js';
import { fromZod } from './parse.js';

export interface FeedbackDeps {
  readonly feedback: FeedbackLedger;
}

const index = z.number().int().min(0);

export const feedbackRequestSchema = z
  .strictObject({
    id: z.string().min(1).max(200).describe('The `id` of the rerank response'),
    clicked_index: index.optional().describe('The `index` of the result the user clicked'),
    relevant_indexes: z.array(index).min(1).max(1000).optional().describe('The `index` of every result found relevant'),
  })
  .describe('Exactly one of `clicked_index` and `relevant_indexes`');

export const feedbackResponseSchema = z.object({
  id: z.string(),
  object: z.literal('rerank.feedback'),
  model: z.string(),
  arm: z.string(),
  rank: z.number().int().describe('Rank of the best clicked result among those returned (1 = top); 0 when none was returned'),
  reciprocal_rank: z.number(),
});

/**
 * `POST /v1/rerank/feedback`: clicks on a response of an alias with a traffic split, scored
 * for the arm that served it (MRR of clicks, CTR@k in `/metrics` and `GET /admin/v1/eval/splits`).
 */
export const feedbackRoute: SurfaceRoute<FeedbackDeps> = {
  method: 'post',
  path: '/v1/rerank/feedback',
  doc: {
    summary: 'Report clicks on a rerank response (traffic splits)',
    description:
      'Scores the clicked results of a response of an alias with a traffic `split` for the arm that served it. ' +
      'Accepted once per response, from the caller key that got it, within 24 hours, on the instance that served it.',
    request: { name: 'RerankFeedback', schema: feedbackRequestSchema },
    response: { name: 'RerankFeedbackResult', schema: feedbackResponseSchema },
    errors: [400, 401, 404, 409],
  },
  handler:
    ({ feedback }) =>
    async (request) => {
      const ctx = request.ctx;
      ctx.surface = 'feedback';
      const parsed = feedbackRequestSchema.safeParse(request.body);
      if (!parsed.success) throw fromZod(parsed.error);
      const body = parsed.data;
      if ((body.clicked_index === undefined) === (body.relevant_indexes === undefined))
        throw invalidRequest('send exactly one of clicked_index and relevant_indexes', 'clicked_index');
      const score = feedback.record({ id: body.id, clickedIndex: body.clicked_index, relevantIndexes: body.relevant_indexes }, ctx);
      ctx.outcome.alias = score.alias;
      return {
        id: body.id,
        object: 'rerank.feedback',
        model: score.alias,
        arm: score.arm,
        rank: score.rank,
        reciprocal_rank: score.reciprocalRank,
      };
    },
};
