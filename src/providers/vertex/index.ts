import type { z } from 'zod';
import { failureFromReply, genericMessage } from '../shared/errors.js';
import { stripSlash } from '../shared/http-adapter.js';
import type { GoogleAuthSpec, ProviderDefinition } from '../types.js';
import { VERTEX_MAX_RECORDS, vertexRerank } from './rerank.js';
import { vertexOptionHints, vertexOptions, type VertexConfig } from './options.js';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/** Regional Discovery Engine hosts are `<location>-discoveryengine.googleapis.com`. */
function defaultBaseUrl(location: string): string {
  return location === 'global' ? 'https://discoveryengine.googleapis.com' : `https://${location}-discoveryengine.googleapis.com`;
}

/** Google Vertex AI ranking (Discovery Engine `rankingConfigs.rank`). */
export const vertexProvider: ProviderDefinition<VertexConfig> = {
  type: 'vertex',
  configSchema: vertexOptions as unknown as z.ZodType<VertexConfig>,
  optionHints: vertexOptionHints,
  create(config) {
    const auth: GoogleAuthSpec = {
      scheme: 'google',
      accessToken: config.access_token,
      serviceAccount: config.credentials_json,
      serviceAccountFile: config.credentials_file,
      scopes: [CLOUD_PLATFORM],
    };
    return {
      type: 'vertex',
      endpoints: { default: stripSlash(config.base_url ?? defaultBaseUrl(config.location)) },
      auth,
      limits: { maxDocumentsPerCall: Math.min(config.max_documents_per_request ?? VERTEX_MAX_RECORDS, VERTEX_MAX_RECORDS) },
      capabilities: {
        rerank: vertexRerank({ project: config.project, location: config.location, rankingConfig: config.ranking_config }),
      },
      parseError: (reply) => failureFromReply(reply, genericMessage),
    };
  },
};
