import { z } from 'zod';
import { labFields } from './lab.js';

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
  /** Batch inference (`/v1/batches`): per million tokens at the batch rate. */
  batch_per_1m_input_tokens: z.number().nonnegative().optional(),
  batch_per_1m_output_tokens: z.number().nonnegative().optional(),
});
export type PriceConfig = z.infer<typeof priceSchema>;

/** Provider entries are checked by their type's own schema (see `./providers.ts`). */
export type { ProviderBaseConfig } from '../providers/shared/options.js';

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
  /** Rerank Lab: shadow model, traffic split, calibrated scores (see `./lab.ts`). */
  ...labFields,
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
  /** Concurrent streams one HTTP/2 connection may open (advertised in SETTINGS); more are refused. */
  http2_max_concurrent_streams: positiveInt.default(100),
  /** Request-body bytes one HTTP/2 connection may hold across its open streams; the stream going over is reset. */
  http2_max_buffered_request_bytes: positiveInt.default(64 * 1024 * 1024),
  /** Largest single event of an upstream SSE or AWS event stream; a bigger one fails the stream as a bad upstream response. */
  max_stream_event_bytes: positiveInt.default(1024 * 1024),
  /** Upstream response bytes all requests together may hold in memory; beyond it requests are shed with 503 overloaded. */
  max_buffered_upstream_bytes: positiveInt.default(256 * 1024 * 1024),
  /** `/readyz` also fails while the database or Redis is down (off: outages only degrade). */
  strict_readiness: z.boolean().default(false),
});

export const storageSchema = z.strictObject({
  data_dir: z.string().default('./data'),
  database_url: z.string().optional(),
  redis_url: z.string().optional(),
  /** Prefix of every Redis key Rankway writes (several deployments may share one Redis). */
  redis_prefix: z.string().default('rankway:'),
  /** A rate-limit command Redis has not answered after this long counts as failed; two in a row switch limits to per instance. */
  redis_limits_timeout_ms: z.number().int().min(1).max(10_000).default(30),
  /** Days raw usage records and hourly totals are kept (daily totals stay); unset keeps everything. */
  usage_retention_days: positiveInt.optional(),
  /** The local journal every usage record is appended to before its response is finished. */
  usage_journal: z
    .strictObject({
      /** Bytes of records not yet in the database the journal may hold; at the cap new requests get 503. */
      max_bytes: positiveInt.default(1024 * 1024 * 1024),
      /** How often appended records are fsynced (a crash of the process alone loses nothing either way). */
      fsync_interval_ms: positiveInt.default(1000),
    })
    .default({ max_bytes: 1024 * 1024 * 1024, fsync_interval_ms: 1000 }),
});

/** In-process pair-score cache; Redis replaces it when `storage.redis_url` is set. */
export const cacheSchema = z.strictObject({
  ttl_seconds: positiveInt.default(3600),
  /** Approximate memory bound of the in-process cache. */
  max_bytes: positiveInt.default(64 * 1024 * 1024),
  /** Redis lookups slower than this count as misses, so a slow Redis never stalls a request. */
  redis_timeout_ms: positiveInt.default(100),
  /** Appended to `storage.redis_prefix`: score keys are `<redis_prefix><redis_key_prefix><hash>`. */
  redis_key_prefix: z.string().default('pairs:'),
});

/** Settings of the vendor-dialect surfaces whose requests carry no Rankway model name. */
export const dialectsSchema = z.strictObject({
  /** TEI requests have no model field: this model serves them unless `x-rankway-model` names one. */
  tei: z.strictObject({ model: z.string().min(1).optional() }).default({}),
  /** Vertex rank requests may omit `model`: this model serves them then. */
  vertex: z.strictObject({ model: z.string().min(1).optional() }).default({}),
});

/** Where provider base URLs may point. */
export const upstreamsSchema = z.strictObject({
  /**
   * Allow base URLs on link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10,
   * fd00:ec2::254, metadata.google.internal, 100.100.100.200). Off: such a URL is refused, in the
   * config file and through the admin API alike, so a provider key cannot be aimed at the
   * instance's credentials endpoint.
   */
  allow_metadata_addresses: z.boolean().default(false),
});

export const configSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  storage: storageSchema.default(storageSchema.parse({})),
  /** Each entry is validated by its provider type's schema once the type is known. */
  providers: z.array(z.unknown()).default([]),
  models: z.array(modelSchema).default([]),
  cache: cacheSchema.default(cacheSchema.parse({})),
  dialects: dialectsSchema.default(dialectsSchema.parse({})),
  upstreams: upstreamsSchema.default(upstreamsSchema.parse({})),
});

export type RawConfig = z.infer<typeof configSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;
