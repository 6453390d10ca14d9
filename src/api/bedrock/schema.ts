import { z } from 'zod';
import { RERANK_MODEL_ARN_RE } from '../../providers/bedrock/model-ids.js';

const TEXT_MAX = 32_000;

const length = (min: number, max: number) => `Member must have length less than or equal to ${max} and greater than or equal to ${min}`;

const textSource = z.object({
  type: z.literal('TEXT'),
  textDocument: z.object({ text: z.string().min(1, length(1, TEXT_MAX)).max(TEXT_MAX, length(1, TEXT_MAX)) }),
});
const jsonSource = z.object({
  type: z.literal('JSON'),
  jsonDocument: z.unknown().refine((v) => v !== undefined, 'Member must not be null'),
});

/**
 * The Agent Runtime `Rerank` request with the service's own constraints (protocols.md 2.2):
 * one TEXT query, 1..1,000 INLINE sources, numberOfResults 1..1,000, a model ARN or id.
 */
export const bedrockRerankSchema = z.object({
  queries: z
    .array(
      z.object({
        type: z.literal('TEXT'),
        textQuery: z.object({ text: z.string().min(1, length(1, TEXT_MAX)).max(TEXT_MAX, length(1, TEXT_MAX)) }),
      }),
    )
    .min(1, length(1, 1))
    .max(1, length(1, 1)),
  sources: z
    .array(
      z.object({
        type: z.literal('INLINE'),
        inlineDocumentSource: z.discriminatedUnion('type', [textSource, jsonSource]),
      }),
    )
    .min(1, length(1, 1000))
    .max(1000, length(1, 1000)),
  rerankingConfiguration: z.object({
    type: z.literal('BEDROCK_RERANKING_MODEL'),
    bedrockRerankingConfiguration: z.object({
      numberOfResults: z
        .number()
        .int('Member must be an integer')
        .min(1, 'Member must have value greater than or equal to 1')
        .max(1000, 'Member must have value less than or equal to 1000')
        .optional(),
      modelConfiguration: z.object({
        modelArn: z
          .string()
          .min(1, length(1, 2048))
          .max(2048, length(1, 2048))
          .regex(RERANK_MODEL_ARN_RE, `Member must satisfy regular expression pattern: ${RERANK_MODEL_ARN_RE.source}`),
        additionalModelRequestFields: z.record(z.string(), z.unknown()).optional(),
      }),
    }),
  }),
  nextToken: z.string().min(1).max(2048).regex(/^\S*$/).optional(),
});

export type BedrockRerankBody = z.infer<typeof bedrockRerankSchema>;
