import type { FastifyInstance } from 'fastify';
import { cohereDialect } from './cohere/index.js';
import { jinaDialect } from './jina/index.js';
import type { DialectOptions } from './shared.js';
import { teiDialect } from './tei/index.js';
import { vertexDialect } from './vertex/index.js';
import { voyageDialect } from './voyage/index.js';

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
