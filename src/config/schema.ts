import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Price per unit; cost is the sum of whatever units a call used. */
export const priceSchema = z.strictObject({
  per_1k_search_units: z.number().nonnegative().optional(),
  per_1k_queries: z.number().nonnegative().optional(),
  per_1m_input_tokens: z.number().nonnegative().optional(),
  per_1m_output_tokens: z.number().nonnegative().optional(),
  /** Image generation: per image returned. */
  per_image: z.number().nonnegative().optional(),
  /** Video generation: per second of video. */
  per_video_second: z.number().nonnegative().optional(),
});
export type PriceConfig = z.infer<typeof priceSchema>;

/** Fields every provider accepts; a provider type extends this with its own. */
export const providerBaseSchema = z.looseObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'must be letters, digits, "-" or "_"'),
  type: z.string(),
  api_key: z.string().min(1).optional(),
  base_url: z.url().optional(),
  timeout_ms: positiveInt.default(30_000),
  max_retries: z.number().int().min(0).max(10).default(2),
  headers: z.record(z.string(), z.string()).default({}),
  max_documents_per_request: positiveInt.optional(),
  max_concurrency: positiveInt.default(16),
  /** Calls allowed to wait for a concurrency slot; beyond this Rankway sheds load with 503. */
  max_queue: z.number().int().min(0).default(1000),
  /** Largest number of chunk calls of one request in flight at once. */
  chunk_concurrency: positiveInt.default(4),
  requests_per_minute: positiveInt.optional(),
  /** How long a call over `max_concurrency` or `requests_per_minute` may wait before falling back. */
  queue_timeout_ms: z.number().int().min(0).default(5_000),
});
export type ProviderBaseConfig = z.infer<typeof providerBaseSchema>;

export const modelSchema = z.strictObject({
  name: z.string().min(1),
  target: z.string().regex(/^[^/]+\/.+$/, 'must be "provider/model"'),
  fallbacks: z.array(z.string().min(1)).default([]),
  price: priceSchema.optional(),
  /** Pair-level score cache: off for listwise rerankers whose scores depend on the whole list. */
  cache: z.enum(['pairs', 'off']).default('pairs'),
  on_failure: z.enum(['error', 'passthrough']).default('error'),
  /** Bedrock-native requests naming one of these ARNs or model ids are served by this alias. */
  arns: z.array(z.string().min(1)).default([]),
  bedrock_route: z.enum(['agent-runtime', 'invoke-model']).optional(),
  /** A Bedrock guardrail Rankway applies to every Converse request of this alias (the caller's own cannot replace it). */
  guardrail: z
    .strictObject({
      identifier: z.string().min(1).max(2048),
      version: z.string().regex(/^(?:[1-9][0-9]{0,7}|DRAFT)$/, 'must be a version number or DRAFT'),
      trace: z.enum(['enabled', 'disabled', 'enabled_full']).optional(),
    })
    .optional(),
});
export type ModelConfig = z.infer<typeof modelSchema>;

export const callerKeySchema = z.strictObject({
  name: z.string().min(1),
  key_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex sha256 of the key'),
  allowed_models: z.array(z.string()).optional(),
});

/**
 * A Rankway-issued AWS-style key pair: callers sign native Bedrock requests with it (SigV4),
 * so unmodified AWS SDK code works by changing only its endpoint and credentials.
 */
export const awsAccessKeySchema = z.strictObject({
  name: z.string().min(1),
  access_key_id: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be 16-128 upper-case letters or digits, like an AWS access key id'),
  secret_access_key: z.string().min(16, 'must be at least 16 characters'),
  allowed_models: z.array(z.string()).optional(),
});

export const serverSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(3000),
  admin_host: z.string().default('127.0.0.1'),
  admin_port: z.number().int().min(0).max(65535).default(3001),
  auth: z.enum(['keys', 'none']).default('none'),
  /** Required to run `auth: none` on a non-loopback address. */
  allow_unauthenticated_remote: z.boolean().default(false),
  body_limit_bytes: positiveInt.default(20 * 1024 * 1024),
  request_timeout_ms: positiveInt.default(60_000),
  max_documents: positiveInt.default(10_000),
  max_document_chars: positiveInt.default(200_000),
  /** Deepest JSON nesting accepted in a request body; deeper bodies get 400 before any work. */
  max_json_depth: positiveInt.default(32),
  /** Time a client has to send its request headers. */
  headers_timeout_ms: positiveInt.default(10_000),
  /** On SIGTERM/SIGINT, how long in-flight requests may take before connections are cut. */
  shutdown_timeout_ms: positiveInt.default(25_000),
  /** Log request bodies (debugging only: they may hold customer data). Env LOG_PAYLOADS=1. */
  log_payloads: z.boolean().default(false),
  keys: z.array(callerKeySchema).default([]),
  aws_access_keys: z.array(awsAccessKeySchema).default([]),
  tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
});

export const storageSchema = z.strictObject({
  data_dir: z.string().default('./data'),
  database_url: z.string().optional(),
  redis_url: z.string().optional(),
  /** Prefix of every Redis key Rankway writes (several deployments may share one Redis). */
  redis_prefix: z.string().default('rankway:'),
});

/** In-process pair-score cache; Redis replaces it when `storage.redis_url` is set. */
export const cacheSchema = z.strictObject({
  ttl_seconds: positiveInt.default(3600),
  /** Approximate memory bound of the in-process cache. */
  max_bytes: positiveInt.default(64 * 1024 * 1024),
  /** Redis lookups slower than this count as misses, so a slow Redis never stalls a request. */
  redis_timeout_ms: positiveInt.default(100),
  redis_key_prefix: z.string().default('rankway:pairs:'),
});

/** Settings of the vendor-dialect surfaces whose requests carry no Rankway model name. */
export const dialectsSchema = z.strictObject({
  /** TEI requests have no model field: this model serves them unless `x-rankway-model` names one. */
  tei: z.strictObject({ model: z.string().min(1).optional() }).default({}),
  /** Vertex rank requests may omit `model`: this model serves them then. */
  vertex: z.strictObject({ model: z.string().min(1).optional() }).default({}),
});

export const configSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  storage: storageSchema.default(storageSchema.parse({})),
  providers: z.array(providerBaseSchema).default([]),
  models: z.array(modelSchema).default([]),
  cache: cacheSchema.default(cacheSchema.parse({})),
  dialects: dialectsSchema.default(dialectsSchema.parse({})),
});

export type RawConfig = z.infer<typeof configSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;
