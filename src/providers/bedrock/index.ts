import { stripSlash } from '../shared/http-adapter.js';
import type { AuthSpec, ProviderAdapter, ProviderDefinition } from '../types.js';
import { parseBedrockError } from './errors.js';
import { bedrockChat, bedrockChatStream } from './converse/index.js';
import { bedrockEmbeddings } from './embeddings.js';
import { bedrockImages } from './images/index.js';
import { bedrockVideo } from './video.js';
import { bedrockBatch } from './batch.js';
import { bedrockRerank } from './rerank.js';
import { baseModelId } from './families.js';
import { bedrockModelOptions } from './model-options.js';
import { bedrockOptionHints, bedrockOptions, type BedrockConfig } from './options.js';

export type { BedrockConfig };

/** Endpoint names Bedrock calls use: `runtime` (InvokeModel, Converse) and `agent-runtime` (Rerank). */
export const RUNTIME = 'runtime';
export const AGENT_RUNTIME = 'agent-runtime';
/** Reading async-invoke output: the same credentials, signing name `s3`. */
export const S3 = 's3';
/** The Bedrock control plane (model invocation jobs), signing name `bedrock`. */
export const CONTROL = 'control';

const s3Auth = (auth: AuthSpec): AuthSpec => (auth.scheme === 'sigv4' ? { ...auth, service: 's3', singleEncodePath: true } : auth);

/**
 * AWS Bedrock. Signs with SigV4 (signing name `bedrock`) from static keys, a profile, the
 * default chain or an assumed role; a Bedrock API key alone is sent as Bearer, which only the
 * runtime accepts.
 */
export const bedrockProvider: ProviderDefinition<BedrockConfig> = {
  type: 'bedrock',
  configSchema: bedrockOptions,
  optionHints: bedrockOptionHints,
  // List prices are filed under the foundation model: an ARN's or a cross-region profile's (`us.anthropic...`).
  priceIds: (model) => [baseModelId(model)],
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
      // Jobs need SigV4 (the control plane takes no API key), a bucket and a service role.
      ...(config.batch_s3_uri && config.batch_role_arn && !bearerOnly(config)
        ? { batch: bedrockBatch(config.batch_s3_uri, config.batch_role_arn) }
        : {}),
      // AWS SDKs pointed at Rankway: their runtime and Agent Runtime requests are relayed as sent.
      passthrough: { endpoints: [RUNTIME, AGENT_RUNTIME] },
    },
    parseError: parseBedrockError,
    modelOptions: bedrockModelOptions,
  }),
};

export function bedrockEndpoints(config: BedrockConfig): Record<string, string> {
  const suffix = config.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  // `base_url` (an admin provider key's `api_base`) names the runtime, e.g. a VPC endpoint.
  const runtime = stripSlash(config.runtime_endpoint ?? config.base_url ?? `https://bedrock-runtime.${config.region}.${suffix}`);
  const agent = stripSlash(config.agent_runtime_endpoint ?? `https://bedrock-agent-runtime.${config.region}.${suffix}`);
  const s3 = stripSlash(config.s3_endpoint ?? `https://s3.${config.region}.${suffix}`);
  const control = stripSlash(config.control_endpoint ?? `https://bedrock.${config.region}.${suffix}`);
  return { default: runtime, [RUNTIME]: runtime, [AGENT_RUNTIME]: agent, [S3]: s3, [CONTROL]: control };
}

/** True when the instance can only send a Bedrock API key (no SigV4), so only the runtime works. */
export const bearerOnly = (config: BedrockConfig): boolean =>
  config.api_key !== undefined && config.access_key_id === undefined && config.role_arn === undefined && config.profile === undefined;

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
