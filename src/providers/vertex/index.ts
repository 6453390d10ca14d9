import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { failureFromReply, genericMessage } from '../shared/errors.js';
import { stripSlash } from '../shared/http-adapter.js';
import type { GoogleAuthSpec, ProviderDefinition } from '../types.js';
import { VERTEX_MAX_RECORDS, vertexRerank } from './rerank.js';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

const schema = providerBaseSchema
  .extend({
    project: z.string().min(1, 'project is required'),
    location: z.string().min(1).default('global'),
    ranking_config: z.string().min(1).default('default_ranking_config'),
    /** Path of a service-account key file. */
    credentials_file: z.string().min(1).optional(),
    /** A service-account key inline, as a JSON string or an object. */
    credentials_json: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .transform((v, ctx) => {
        if (typeof v !== 'string') return v;
        try {
          return JSON.parse(v) as Record<string, unknown>;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'credentials_json is not valid JSON' });
          return z.NEVER;
        }
      })
      .optional(),
    /** A ready OAuth2 access token (short-lived; for testing or external refreshers). */
    access_token: z.string().min(1).optional(),
  })
  .refine((c) => [c.credentials_file, c.credentials_json, c.access_token].filter((v) => v !== undefined).length <= 1, {
    message: 'set at most one of credentials_file, credentials_json and access_token (none = application default credentials)',
  })
  .refine((c) => c.credentials_json === undefined || (typeof c.credentials_json.client_email === 'string' && typeof c.credentials_json.private_key === 'string'), {
    message: 'credentials_json must be a service-account key with client_email and private_key',
    path: ['credentials_json'],
  });

type VertexConfig = z.infer<typeof schema>;

/** Regional Discovery Engine hosts are `<location>-discoveryengine.googleapis.com`. */
function defaultBaseUrl(location: string): string {
  return location === 'global' ? 'https://discoveryengine.googleapis.com' : `https://${location}-discoveryengine.googleapis.com`;
}

/** Google Vertex AI ranking (Discovery Engine `rankingConfigs.rank`). */
export const vertexProvider: ProviderDefinition<VertexConfig> = {
  type: 'vertex',
  configSchema: schema as unknown as z.ZodType<VertexConfig>,
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
