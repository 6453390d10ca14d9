/** Builders for native Bedrock Agent Runtime rerank bodies used across tests. */

export const EXERCISE_QUERY = 'What are the health benefits of regular exercise?';

/** The example: three documents about exercise, two that are not. */
export const EXERCISE_SOURCES = [
  'Regular exercise improves heart health, and the benefits of exercise include a stronger heart.',
  'The capital of France is Paris, a city known for its museums.',
  'Health benefits of regular exercise include better sleep and a lower risk of disease.',
  'Bananas are a good source of potassium.',
  'Regular physical exercise has health benefits for mood and mental health.',
];
export const EXERCISE_INDICES = [0, 2, 4];

export function nativeRerankBody(
  options: {
    query?: string;
    sources?: readonly (string | Record<string, unknown>)[];
    modelArn?: string;
    numberOfResults?: number;
    extra?: Record<string, unknown>;
  } = {},
): Record<string, any> {
  const sources = options.sources ?? EXERCISE_SOURCES;
  const bedrockRerankingConfiguration: Record<string, any> = {
    modelConfiguration: {
      modelArn: options.modelArn ?? 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0',
      ...(options.extra ? { additionalModelRequestFields: options.extra } : {}),
    },
  };
  if (options.numberOfResults !== undefined) bedrockRerankingConfiguration.numberOfResults = options.numberOfResults;
  return {
    queries: [{ type: 'TEXT', textQuery: { text: options.query ?? EXERCISE_QUERY } }],
    sources: sources.map((s) =>
      typeof s === 'string'
        ? { type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: s } } }
        : { type: 'INLINE', inlineDocumentSource: { type: 'JSON', jsonDocument: s } },
    ),
    rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration },
  };
}
