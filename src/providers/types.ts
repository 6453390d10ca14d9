import type { z } from 'zod';
import type { ChatChunk, ChatRequest, ChatResult } from '../canonical/chat.js';
import type { EmbeddingsCall, EmbeddingsCallResult } from '../canonical/embeddings.js';
import type { ImageCallResult, ImageRequest } from '../canonical/images.js';
import type { VideoJob, VideoRequest } from '../canonical/video.js';
import type { BatchJob, BatchRecordResult, BatchRequest } from '../canonical/batch.js';
import type { RerankCall, RerankCallResult } from '../canonical/rerank.js';
import type { GatewayError } from '../errors/gateway-error.js';
import type { ProviderBaseConfig } from './shared/options.js';

/**
 * An upstream HTTP request as a provider describes it: no base URL and no credentials.
 * `endpoint` names which of the provider's base URLs to use (Bedrock has two).
 * `paths` lists alternatives to try in order when the first answers 404/405/501.
 */
export interface HttpCall {
  readonly method: 'POST' | 'GET' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly alternativePaths?: readonly string[];
  readonly endpoint?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON value to serialise, or raw bytes. */
  readonly body?: unknown;
}

/** What the transport hands back to a provider's parser. */
export interface UpstreamReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/**
 * Per-model choices that change how a provider calls upstream, as the provider itself read them
 * from the alias (`ProviderAdapter.modelOptions`). Opaque to core, which only carries them to the
 * provider's translators; each provider reads its own through a typed accessor.
 */
export type TargetOptions = Readonly<Record<string, unknown>>;

/** The target a request resolved to: provider instance plus the upstream model id. */
export interface Target {
  readonly provider: string;
  readonly model: string;
  readonly options?: TargetOptions;
}

export interface HttpRerankCapability {
  readonly kind: 'http';
  /** true when the upstream truncates long documents itself given `maxTokensPerDoc`. */
  readonly nativeMaxTokensPerDoc: boolean;
  build(call: RerankCall, target: Target): HttpCall;
  parse(reply: UpstreamReply, call: RerankCall): RerankCallResult;
}

export interface InProcessRerankCapability {
  readonly kind: 'inprocess';
  readonly nativeMaxTokensPerDoc: boolean;
  run(call: RerankCall, target: Target): RerankCallResult;
}

export type RerankCapability = HttpRerankCapability | InProcessRerankCapability;

/** Non-streamed chat: one request, one JSON answer. */
export interface ChatCapability {
  /** Throws a caller-fault GatewayError for requests this upstream cannot take. */
  build(request: ChatRequest, target: Target): HttpCall;
  parse(reply: UpstreamReply, request: ChatRequest): ChatResult;
}

/** One unit of an upstream stream, as the transport's framer cut it. */
export type StreamFrame =
  /** Server-sent events: the `data:` text of one event. */
  | { readonly kind: 'sse'; readonly data: string }
  /** AWS event stream: one decoded message (string headers, JSON payload bytes). */
  | { readonly kind: 'aws'; readonly headers: Readonly<Record<string, string>>; readonly payload: Uint8Array };

/**
 * Incremental stream translation, testable from recorded frames: each frame in gives the
 * chunks it completes; `end()` flushes. Throws a GatewayError for an in-stream failure.
 */
export interface StreamTranslator {
  push(frame: StreamFrame): ChatChunk[];
  end(): ChatChunk[];
}

export interface ChatStreamCapability {
  /** How the transport cuts the response body into frames. */
  readonly framing: 'sse' | 'aws-eventstream';
  build(request: ChatRequest, target: Target): HttpCall;
  translator(request: ChatRequest): StreamTranslator;
}

export interface EmbeddingsCapability {
  /** Inputs one upstream call takes for this model; core batches and fans out. */
  maxInputsPerCall(target: Target): number;
  /** Whether the model takes image inputs (absent: text only). */
  acceptsImages?(target: Target): boolean;
  build(call: EmbeddingsCall, target: Target): HttpCall;
  parse(reply: UpstreamReply, call: EmbeddingsCall): EmbeddingsCallResult;
}

/** Image generation and editing: one upstream call per request. */
export interface ImagesCapability {
  /** Throws a caller-fault GatewayError for what this model cannot do (before anything is sent). */
  build(request: ImageRequest, target: Target): HttpCall;
  /** Throws a GatewayError for a filtered or failed generation. */
  parse(reply: UpstreamReply, request: ImageRequest, target: Target): ImageCallResult;
}

/** Asynchronous video generation: start a job, read it back, list jobs, fetch the finished file. */
export interface VideoCapability {
  /** Seconds of video the request will produce (what it is billed on). */
  seconds(request: VideoRequest, target: Target): number;
  /** `token` makes retries idempotent upstream. Throws a caller-fault GatewayError for what the model cannot do. */
  buildStart(request: VideoRequest, target: Target, token: string): HttpCall;
  /** The upstream job id. */
  parseStart(reply: UpstreamReply): string;
  buildGet(upstreamId: string): HttpCall;
  parseGet(reply: UpstreamReply): VideoJob;
  buildList(maxResults: number): HttpCall;
  parseList(reply: UpstreamReply): VideoJob[];
  buildContent(outputUri: string): HttpCall;
}

/** Capabilities a provider has; an absent one is simply not offered. */
export interface ProviderCapabilities {
  readonly rerank?: RerankCapability;
  /** The caller's own native request relayed as sent and re-signed (Bedrock's runtime and Agent Runtime APIs). */
  readonly passthrough?: PassthroughCapability;
  readonly chat?: ChatCapability;
  readonly chatStream?: ChatStreamCapability;
  readonly embeddings?: EmbeddingsCapability;
  readonly images?: ImagesCapability;
  readonly video?: VideoCapability;
  readonly batch?: BatchCapability;
}

/** A provider whose native API callers may speak directly: Rankway relays their requests unread. */
export interface PassthroughCapability {
  /** The endpoints (names in `ProviderAdapter.endpoints`) relayed requests may go to. */
  readonly endpoints: readonly string[];
}

export interface ProviderLimits {
  /** Documents one upstream call accepts; larger requests are chunked by core. */
  readonly maxDocumentsPerCall: number;
}

/**
 * Where AWS credentials come from, as plain data (auth/upstream resolves them).
 * Static keys when both halves are set, else the default chain (optionally a named profile);
 * `roleArn` assumes a role on top of either.
 */
export interface AwsCredentialSettings {
  readonly region: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  readonly profile?: string;
  readonly roleArn?: string;
  readonly externalId?: string;
  readonly sessionName?: string;
  /** STS endpoint override (VPC endpoints, tests). */
  readonly stsEndpoint?: string;
}

/** Which credentials an instance needs; auth/upstream turns this into a signer. */
export type AuthSpec =
  | { readonly scheme: 'none' }
  | { readonly scheme: 'bearer'; readonly token: string }
  /** The key in a named header (Azure OpenAI's `api-key`). */
  | { readonly scheme: 'header'; readonly header: string; readonly token: string }
  | {
      readonly scheme: 'sigv4';
      /** Signing name, e.g. `bedrock`. */
      readonly service: string;
      /** S3 signs the wire path as is; every other AWS service encodes it once more (default). */
      readonly singleEncodePath?: boolean;
      readonly region: string;
      readonly credentials: AwsCredentialSettings;
    }
  | GoogleAuthSpec;

/**
 * Google OAuth2: a static access token, a service-account key (parsed JSON or a file path,
 * read by the signer at boot), or application default credentials when neither is given.
 */
export interface GoogleAuthSpec {
  readonly scheme: 'google';
  readonly accessToken?: string;
  readonly serviceAccount?: Readonly<Record<string, unknown>>;
  readonly serviceAccountFile?: string;
  readonly scopes: readonly string[];
}

/**
 * A configured provider instance: pure translation bound to its config.
 * Built once at boot; never performs I/O itself.
 */
export interface ProviderAdapter {
  readonly type: string;
  /** Base URLs by endpoint name; `default` is used when a call names none. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly auth: AuthSpec;
  /** Signers for endpoints that need other credentials or signing names than `auth` (Bedrock's `s3`). */
  readonly endpointAuth?: Readonly<Record<string, AuthSpec>>;
  readonly limits: ProviderLimits;
  readonly capabilities: ProviderCapabilities;
  /** When set, the only model ids this instance serves; otherwise any id is passed upstream. */
  readonly models?: readonly string[];
  /** Turns an upstream error reply into a classified failure. */
  parseError(reply: UpstreamReply): GatewayError;
  /**
   * This provider's options for one model, read from the alias entry that targets it (e.g.
   * Bedrock's `bedrock_route` and `guardrail`); undefined when it has none. Core passes the
   * result to the translators as `Target.options` without reading it.
   */
  modelOptions?(alias: Readonly<Record<string, unknown>>): TargetOptions | undefined;
}

/**
 * A provider type as the registry knows it: the config it accepts (the common
 * provider fields plus its own) and a factory for instances.
 */
export interface ProviderDefinition<C extends ProviderBaseConfig = ProviderBaseConfig> {
  readonly type: string;
  readonly configSchema: z.ZodType<C>;
  /**
   * Unknown keys people are known to write for this type, and the key each one means, for
   * "did you mean" hints edit distance cannot find (`service_account_key_file` -> `credentials_file`).
   */
  readonly optionHints?: Readonly<Record<string, string>>;
  /**
   * Other ids a model's list price may be filed under (Bedrock: the foundation model inside an
   * ARN or a cross-region profile id such as `us.anthropic...`); core's price table tries them.
   */
  priceIds?(model: string): readonly string[];
  create(config: C): ProviderAdapter;
}

/** Object storage calls (S3) a batch capability keeps its files and job data with. */
export interface ObjectStorageCalls {
  put(location: { bucket: string; key: string }, body: Buffer, contentType?: string): HttpCall;
  get(location: { bucket: string; key: string }): HttpCall;
  delete(location: { bucket: string; key: string }): HttpCall;
  createMultipart(location: { bucket: string; key: string }, contentType?: string): HttpCall;
  parseUploadId(reply: UpstreamReply): string;
  uploadPart(location: { bucket: string; key: string }, uploadId: string, partNumber: number, body: Buffer): HttpCall;
  parseETag(reply: UpstreamReply): string;
  completeMultipart(location: { bucket: string; key: string }, uploadId: string, etags: readonly string[]): HttpCall;
  abortMultipart(location: { bucket: string; key: string }, uploadId: string): HttpCall;
  list(bucket: string, prefix: string, continuationToken?: string): HttpCall;
  parseList(reply: UpstreamReply): { keys: string[]; next?: string };
}

/** Batch inference with files: records in the model's own body, jobs on the upstream's control plane. */
export interface BatchCapability {
  /** Where uploaded files, job inputs and outputs live (`s3://{bucket}/{prefix}`). */
  readonly bucket: string;
  readonly prefix: string;
  /** The URI a job is given for an object of that storage. */
  uriOf(location: { bucket: string; key: string }): string;
  readonly storage: ObjectStorageCalls;
  /** One JSONL record of the job input; throws a caller-fault GatewayError for a line the model cannot take. */
  recordLine(index: number, request: BatchRequest, target: Target): string;
  /** One output record read back: the line index it answers (when known) and the answer. */
  readOutput(
    doc: Record<string, unknown>,
    target: Target,
    requestOf: (index: number) => BatchRequest | undefined,
  ): { index?: number; result: BatchRecordResult };
  createJob(input: {
    jobName: string;
    modelId: string;
    inputUri: string;
    outputUri: string;
    clientRequestToken: string;
    timeoutDurationInHours?: number;
  }): HttpCall;
  parseCreateJob(reply: UpstreamReply): string;
  getJob(jobId: string): HttpCall;
  parseJob(reply: UpstreamReply): BatchJob;
  stopJob(jobId: string): HttpCall;
  /** Output file names the job writes: records (`.jsonl.out`) and the summary (`manifest.json.out`). */
  isRecordsOutput(key: string): boolean;
  isManifest(key: string): boolean;
  parseManifest(body: Buffer): { inputTokens: number; outputTokens: number; records: Record<string, number> };
}
