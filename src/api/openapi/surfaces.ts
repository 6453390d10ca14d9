import { bedrockRerankSchema } from '../bedrock/schema.js';
import { jinaRequestSchema } from '../dialects/jina/index.js';
import { teiRequestSchema } from '../dialects/tei/index.js';
import { vertexRequestSchema } from '../dialects/vertex/index.js';
import { voyageRequestSchema } from '../dialects/voyage/index.js';
import { rerankRequestSchema } from '../rerank/schema.js';
import type { NamedSchema, OpenApiRegistry } from './registry.js';

/**
 * The vendor dialects and the native Bedrock API, described from the schemas their routes
 * validate with. Kept here until those surfaces register themselves like `api/rerank` does;
 * each answers errors in its vendor's own shape, described in the operation text.
 */
export function describeOtherSurfaces(registry: OpenApiRegistry): void {
  const dialect = (path: string, vendor: string, request: NamedSchema, errors: string) =>
    registry.add({
      method: 'post',
      path,
      server: 'proxy',
      tags: ['dialects'],
      summary: `Rerank with ${vendor}'s request and response shape`,
      description: `A client written for ${vendor} changes only its base URL. \`model\` is a Rankway model (alias or provider/model). Errors: ${errors}.`,
      request,
    });
  dialect('/cohere/v1/rerank', 'Cohere v1', { name: 'RerankRequest', schema: rerankRequestSchema }, '`{"id", "message"}`');
  dialect('/cohere/v2/rerank', 'Cohere v2', { name: 'RerankRequest', schema: rerankRequestSchema }, '`{"id", "message"}`');
  dialect('/jina/v1/rerank', 'Jina AI', { name: 'JinaRerankRequest', schema: jinaRequestSchema }, '`{"detail"}`');
  dialect('/voyage/v1/rerank', 'Voyage AI', { name: 'VoyageRerankRequest', schema: voyageRequestSchema }, '`{"detail"}`');
  dialect('/tei/rerank', 'Hugging Face TEI', { name: 'TeiRerankRequest', schema: teiRequestSchema }, '`{"error", "error_type"}`; the model comes from the `x-rankway-model` header or `dialects.tei.model`');
  dialect(
    '/vertex/v1/projects/{project}/locations/{location}/rankingConfigs/{rankingConfig}:rank',
    'Google Vertex AI ranking',
    { name: 'VertexRankRequest', schema: vertexRequestSchema },
    '`{"error": {"code", "message", "status"}}`; `v1alpha` and `v1beta` paths are served too',
  );
  for (const path of ['/rerank', '/bedrock/rerank']) {
    registry.add({
      method: 'post',
      path,
      server: 'proxy',
      tags: ['bedrock'],
      summary: 'AWS Bedrock Agent Runtime Rerank (native)',
      description: 'Where an AWS SDK pointed at Rankway sends `Rerank`. Callers authenticate with a Rankway key or AWS SigV4; errors use the AWS rest-json shape with the `x-amzn-ErrorType` header.',
      request: { name: 'BedrockRerankRequest', schema: bedrockRerankSchema },
    });
  }
}
