import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { stripSlash } from '../shared/http-adapter.js';
import type { AuthSpec, ProviderAdapter, ProviderDefinition } from '../types.js';
import { parseBedrockError } from './errors.js';
import { bedrockChat, bedrockChatStream } from './converse/index.js';
import { bedrockEmbeddings } from './embeddings.js';
import { bedrockImages } from './images/index.js';
import { bedrockVideo } from './video.js';
import { bedrockRerank } from './rerank.js';

const schema = providerBaseSchema
  .extend({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-west-2'),
    access_key_id: z.string().min(1).optional(),
    secret_access_key: z.string().min(1).optional(),
    session_token: z.string().min(1).optional(),
    /** A profile from the shared config/credentials files (default chain otherwise). */
    profile: z.string().min(1).optional(),
    role_arn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN').optional(),
    external_id: z.string().min(2).max(1224).optional(),
    session_name: z.string().regex(/^[\w+=,.@-]{2,64}$/, 'must be 2-64 of letters, digits and +=,.@-_').optional(),
    sts_endpoint: z.url().optional(),
    runtime_endpoint: z.url().optional(),
    agent_runtime_endpoint: z.url().optional(),
    /** S3 endpoint for reading async-invoke results (path-style requests), e.g. a VPC endpoint. */
    s3_endpoint: z.url().optional(),
    /** Where StartAsyncInvoke writes videos unless a request names its own `output_s3_uri`. */
    video_output_s3_uri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://bucket/prefix').optional(),
  })
  .refine((c) => (c.access_key_id === undefined) === (c.secret_access_key === undefined), {
    message: 'access_key_id and secret_access_key go together',
    path: ['secret_access_key'],
  })
  .refine((c) => c.session_token === undefined || c.access_key_id !== undefined, {
    message: 'session_token needs access_key_id and secret_access_key',
    path: ['session_token'],
  });

export type BedrockConfig = z.infer<typeof schema>;

/** Endpoint names Bedrock calls use: `runtime` (InvokeModel, Converse) and `agent-runtime` (Rerank). */
export const RUNTIME = 'runtime';
export const AGENT_RUNTIME = 'agent-runtime';
/** Reading async-invoke output: the same credentials, signing name `s3`. */
export const S3 = 's3';

const s3Auth = (auth: AuthSpec): AuthSpec => (auth.scheme === 'sigv4' ? { ...auth, service: 's3', singleEncodePath: true } : auth);

/**
 * AWS Bedrock. Signs with SigV4 (signing name `bedrock`) from static keys, a profile, the
 * default chain or an assumed role; a Bedrock API key alone is sent as Bearer, which only the
 * runtime accepts.
 */
export const bedrockProvider: ProviderDefinition<BedrockConfig> = {
  type: 'bedrock',
  configSchema: schema,
  create: (config): ProviderAdapter => ({
    type: 'bedrock',
    endpoints: bedrockEndpoints(config),
    auth: bedrockAuth(config),
    endpointAuth: bearerOnly(config) ? undefined : { [S3]: s3Auth(bedrockAuth(config)) },
    limits: { maxDocumentsPerCall: Math.min(config.max_documents_per_request ?? 1000, 1000) },
    capabilities: {
      // Agent Runtime takes SigV4 only: an API-key-only instance reranks through InvokeModel.
      rerank: bedrockRerank({ region: config.region, defaultRoute: bearerOnly(config) ? 'invoke-model' : 'agent-runtime' }),
      chat: bedrockChat,
      chatStream: bedrockChatStream,
      embeddings: bedrockEmbeddings,
      images: bedrockImages,
      video: bedrockVideo(config.video_output_s3_uri),
    },
    parseError: parseBedrockError,
  }),
};

export function bedrockEndpoints(config: BedrockConfig): Record<string, string> {
  const suffix = config.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  // `base_url` (an admin provider key's `api_base`) names the runtime, e.g. a VPC endpoint.
  const runtime = stripSlash(config.runtime_endpoint ?? config.base_url ?? `https://bedrock-runtime.${config.region}.${suffix}`);
  const agent = stripSlash(config.agent_runtime_endpoint ?? `https://bedrock-agent-runtime.${config.region}.${suffix}`);
  const s3 = stripSlash(config.s3_endpoint ?? `https://s3.${config.region}.${suffix}`);
  return { default: runtime, [RUNTIME]: runtime, [AGENT_RUNTIME]: agent, [S3]: s3 };
}

/** True when the instance can only send a Bedrock API key (no SigV4), so only the runtime works. */
export const bearerOnly = (config: BedrockConfig): boolean => config.api_key !== undefined && config.access_key_id === undefined && config.role_arn === undefined && config.profile === undefined;

function bedrockAuth(config: BedrockConfig): AuthSpec {
  if (bearerOnly(config)) return { scheme: 'bearer', token: config.api_key! };
  return {
    scheme: 'sigv4',
    service: 'bedrock',
    region: config.region,
    credentials: {
      region: config.region,
      accessKeyId: config.access_key_id,
      secretAccessKey: config.secret_access_key,
      sessionToken: config.session_token,
      profile: config.profile,
      roleArn: config.role_arn,
      externalId: config.external_id,
      sessionName: config.session_name,
      stsEndpoint: config.sts_endpoint,
    },
  };
}
