import type { Outcome } from '../core/context.js';

/**
 * `gen_ai.provider.name` values OpenTelemetry's GenAI conventions list for our provider
 * types; any other type is named as it is (the attribute is an open set).
 */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  bedrock: 'aws.bedrock',
  vertex: 'gcp.vertex_ai',
  cohere: 'cohere',
  openai: 'openai',
};

/**
 * The GenAI attributes of a request span, from its outcome: what the caller asked for
 * (`gen_ai.request.model`: the alias or `provider/model` it sent), what served it
 * (`gen_ai.response.model`: the upstream model id) and the tokens it used. Rerank
 * providers that bill in search units report no tokens; a zero is then left out rather
 * than claimed.
 */
export function genAiAttributes(o: Readonly<Outcome>): Record<string, string | number | undefined> {
  if (o.operation === undefined) return {};
  const u = o.usage;
  const tokens = (n: number | undefined): number | undefined => (n === undefined || (n === 0 && o.operation === 'rerank') ? undefined : n);
  return {
    'gen_ai.operation.name': o.operation,
    'gen_ai.provider.name': o.providerType === undefined ? undefined : (PROVIDER_NAMES[o.providerType] ?? o.providerType),
    'gen_ai.request.model': o.alias,
    'gen_ai.response.model': o.upstreamModel,
    'gen_ai.usage.input_tokens': tokens(u?.inputTokens),
    'gen_ai.usage.output_tokens': o.operation === 'embeddings' ? undefined : tokens(u?.outputTokens),
  };
}
