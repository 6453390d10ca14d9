import { GatewayError } from '../../errors/gateway-error.js';
import type { ProviderDefinition } from '../types.js';
import { localOptions, type LocalOptions } from './options.js';
import { localRerank } from './rerank.js';

/** The built-in provider. BM25 uses the request's documents as its corpus, so it is never chunked. */
export const localProvider: ProviderDefinition<LocalOptions> = {
  type: 'local',
  configSchema: localOptions,
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
