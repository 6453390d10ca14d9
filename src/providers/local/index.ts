import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ProviderDefinition } from '../types.js';
import { localRerank } from './rerank.js';

const schema = providerBaseSchema.extend({});

/** The built-in provider. BM25 uses the request's documents as its corpus, so it is never chunked. */
export const localProvider: ProviderDefinition<z.infer<typeof schema>> = {
  type: 'local',
  configSchema: schema,
  create: () => ({
    type: 'local',
    endpoints: {},
    auth: { scheme: 'none' },
    limits: { maxDocumentsPerCall: Number.MAX_SAFE_INTEGER },
    capabilities: { rerank: localRerank },
    models: ['bm25'],
    parseError: () => new GatewayError('internal_error', 'local provider failed', { failure: 'transient' }),
  }),
};
