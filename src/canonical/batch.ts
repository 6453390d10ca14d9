import type { ChatRequest, ChatResult } from './chat.js';
import type { EmbeddingsRequest } from './embeddings.js';

/** OpenAI's batch statuses. */
export type BatchJobStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** An upstream batch job as read back (Bedrock model invocation job). */
export interface BatchJob {
  readonly jobArn: string;
  readonly jobName?: string;
  readonly modelId?: string;
  /** The upstream's own status word (`PartiallyCompleted`, `Scheduled`, ...). */
  readonly upstreamStatus: string;
  readonly status: BatchJobStatus;
  readonly message?: string;
  readonly submitTime?: string;
  readonly lastModifiedTime?: string;
  readonly endTime?: string;
  readonly outputUri?: string;
  readonly totalRecordCount?: number;
  readonly processedRecordCount?: number;
  readonly successRecordCount?: number;
  readonly errorRecordCount?: number;
}

/** The OpenAI endpoints a batch line may name. */
export type BatchEndpoint = '/v1/chat/completions' | '/v1/embeddings';

/** One request of a batch, parsed from its OpenAI JSONL line. */
export type BatchRequest =
  | { readonly kind: 'chat'; readonly request: ChatRequest }
  | { readonly kind: 'embeddings'; readonly request: EmbeddingsRequest };

/** One record's answer, read back from the upstream's output. */
export type BatchRecordResult =
  | { readonly kind: 'chat'; readonly result: ChatResult }
  | { readonly kind: 'embeddings'; readonly vectors: readonly (readonly number[])[]; readonly inputTokens: number }
  | { readonly kind: 'error'; readonly status: number; readonly message: string };
