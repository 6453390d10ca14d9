import type { FastifyInstance } from 'fastify';
import type { NamedSchema, OpenApiRegistry } from '../openapi/registry.js';
import { rerankRequestSchema } from '../rerank/schema.js';
import { cohereDialect } from './cohere/index.js';
import { jinaDialect, jinaRequestSchema } from './jina/index.js';
import type { DialectOptions } from './shared.js';
import { teiDialect, teiRequestSchema } from './tei/index.js';
import { vertexDialect, vertexRequestSchema } from './vertex/index.js';
import { voyageDialect, voyageRequestSchema } from './voyage/index.js';

/**
 * Every vendor dialect under its own prefix, each an encapsulated plugin with its own error
 * shape, all served by the same RerankService: clients change only their base URL.
 */
export function registerDialects(app: FastifyInstance, options: DialectOptions): void {
  app.register(cohereDialect, { ...options, prefix: '/cohere' });
  app.register(jinaDialect, { ...options, prefix: '/jina' });
  app.register(voyageDialect, { ...options, prefix: '/voyage' });
  app.register(teiDialect, { ...options, prefix: '/tei' });
  app.register(vertexDialect, { ...options, prefix: '/vertex' });
}

/**
 * The dialects in the OpenAPI document, from the schemas their routes validate with. Each
 * answers errors in its vendor's own shape, described in the operation text.
 */
export function describeDialects(registry: OpenApiRegistry): void {
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
  dialect(
    '/tei/rerank',
    'Hugging Face TEI',
    { name: 'TeiRerankRequest', schema: teiRequestSchema },
    '`{"error", "error_type"}`; the model comes from the `x-rankway-model` header or `dialects.tei.model`',
  );
  dialect(
    '/vertex/v1/projects/{project}/locations/{location}/rankingConfigs/{rankingConfig}:rank',
    'Google Vertex AI ranking',
    { name: 'VertexRankRequest', schema: vertexRequestSchema },
    '`{"error": {"code", "message", "status"}}`; `v1alpha` and `v1beta` paths are served too',
  );
}
