import type { BatchEndpoint, BatchRecordResult, BatchRequest } from '../../canonical/batch.js';
import type { BatchInputLine } from '../../core/batches/jsonl.js';
import type { BatchView } from '../../core/batches/service.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { SurfaceRoute } from '../surface.js';
import { type BatchSurfaceDeps, page } from './files.js';
import { parseChatBody, parseEmbeddingsBody } from './parse.js';
import { renderChatCompletion, renderEmbeddings } from './render.js';

/** A batch line's body, read by the same parsers as the live endpoints. */
export function parseBatchLine(url: BatchEndpoint, body: unknown): BatchRequest {
  return url === '/v1/embeddings'
    ? { kind: 'embeddings', request: parseEmbeddingsBody(body) }
    : { kind: 'chat', request: parseChatBody(body) };
}

/** One answered line's response body, as the live endpoint would have answered it. */
export function renderBatchResult(result: BatchRecordResult, line: BatchInputLine): { status: number; body: unknown } {
  if (result.kind === 'error') {
    const type = result.status >= 500 ? 'server_error' : 'invalid_request_error';
    return { status: result.status, body: { error: { message: result.message, type, param: null, code: null } } };
  }
  if (result.kind === 'embeddings')
    return {
      status: 200,
      body: renderEmbeddings({ vectors: result.vectors, inputTokens: result.inputTokens, modelUsed: line.model }, line.model, 'float'),
    };
  return {
    status: 200,
    body: renderChatCompletion(result.result, {
      id: `chatcmpl-${line.customId}`,
      created: Math.floor(Date.now() / 1000),
      model: line.model,
    }),
  };
}

const epoch = (iso: string | undefined): number | null => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

/**
 * OpenAI's Batch object. The upstream's own status word is kept (`upstream_status`, and
 * `metadata.bedrock_status`), so a PartiallyCompleted job, which OpenAI calls `completed`,
 * stays distinguishable; `upstream_id` is the job ARN.
 */
export function renderBatch({ batch, job }: BatchView): Record<string, unknown> {
  const ended = epoch(job.endTime);
  const at = (status: string): number | null => (job.status === status ? ended : null);
  const failedCount = job.errorRecordCount ?? 0;
  const completedCount = job.successRecordCount ?? (job.status === 'completed' ? batch.requestCount - failedCount : 0);
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    model: batch.model,
    errors:
      job.status === 'failed' && job.message
        ? { object: 'list', data: [{ code: 'job_failed', message: job.message, param: null, line: null }] }
        : null,
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: job.status,
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: batch.createdAt,
    in_progress_at: job.status === 'in_progress' ? epoch(job.lastModifiedTime) : null,
    expires_at: batch.createdAt + 24 * 3600,
    finalizing_at: null,
    completed_at: at('completed'),
    failed_at: at('failed'),
    expired_at: at('expired'),
    cancelling_at: job.status === 'cancelling' ? epoch(job.lastModifiedTime) : null,
    cancelled_at: at('cancelled'),
    request_counts: { total: job.totalRecordCount ?? batch.requestCount, completed: completedCount, failed: failedCount },
    metadata: {
      ...(batch.metadata ?? {}),
      bedrock_status: job.upstreamStatus,
      ...(job.message ? { bedrock_message: job.message.slice(0, 512) } : {}),
    },
    upstream_status: job.upstreamStatus,
    upstream_id: job.jobArn,
  };
}

function parseCreate(body: unknown): {
  inputFileId: string;
  endpoint: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
} {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.input_file_id !== 'string' || b.input_file_id === '') throw invalidRequest('input_file_id is required', 'input_file_id');
  if (b.endpoint !== '/v1/chat/completions' && b.endpoint !== '/v1/embeddings')
    throw invalidRequest('endpoint must be /v1/chat/completions or /v1/embeddings on Bedrock', 'endpoint');
  const window = b.completion_window ?? '24h';
  if (typeof window !== 'string' || !/^\d+h$/.test(window))
    throw invalidRequest("completion_window must be like '24h'", 'completion_window');
  let metadata: Record<string, string> | null = null;
  if (b.metadata !== undefined && b.metadata !== null) {
    if (typeof b.metadata !== 'object' || Array.isArray(b.metadata))
      throw invalidRequest('metadata must be an object of strings', 'metadata');
    const entries = Object.entries(b.metadata as Record<string, unknown>);
    if (entries.length > 16 || entries.some(([k, v]) => typeof v !== 'string' || k.length > 64 || v.length > 512))
      throw invalidRequest('metadata holds at most 16 string pairs (keys ≤ 64, values ≤ 512 characters)', 'metadata');
    metadata = Object.fromEntries(entries) as Record<string, string>;
  }
  return { inputFileId: b.input_file_id, endpoint: b.endpoint, completionWindow: window, metadata };
}

const ERRORS = [400, 401, 403, 404, 409, 429, 502, 503] as const;
const BATCH = { raw: 'OpenAI Batch object (plus `upstream_status` and `upstream_id`)', mediaTypes: ['application/json'] };

/** OpenAI's batches API on Bedrock model invocation jobs. */
export const batchRoutes: readonly SurfaceRoute<BatchSurfaceDeps>[] = [
  {
    method: 'post',
    path: '/v1/batches',
    doc: {
      summary: 'Start a batch (OpenAI compatible) as a Bedrock model invocation job',
      description:
        "The input file's lines become `{recordId, modelInput}` records in the model's own InvokeModel body, written to S3; the job's output is mapped back by `custom_id` once it settles.",
      rawRequest: '`{input_file_id, endpoint, completion_window, metadata?}`',
      response: BATCH,
      errors: ERRORS,
    },
    handler:
      ({ batches }) =>
      async (request) => {
        request.ctx.surface = 'openai-batches';
        return renderBatch(await batches.create(parseCreate(request.body), request.ctx));
      },
  },
  {
    method: 'get',
    path: '/v1/batches',
    doc: {
      summary: "The key's batches, newest first, with their live status",
      response: { raw: '`{object: "list", data: [Batch]}`', mediaTypes: ['application/json'] },
      errors: ERRORS,
    },
    handler:
      ({ batches }) =>
      async (request) => {
        request.ctx.surface = 'openai-batches';
        const { limit, after } = page(request.query as { limit?: string; after?: string }, 100);
        const views = await batches.list(request.ctx, { limit: limit + 1, after });
        const data = views.slice(0, limit).map(renderBatch);
        return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: views.length > limit };
      },
  },
  {
    method: 'get',
    path: '/v1/batches/:batch_id',
    doc: { summary: 'A batch, from GetModelInvocationJob', response: BATCH, errors: ERRORS },
    handler:
      ({ batches }) =>
      async (request) => {
        request.ctx.surface = 'openai-batches';
        return renderBatch(await batches.get((request.params as { batch_id: string }).batch_id, request.ctx));
      },
  },
  {
    method: 'post',
    path: '/v1/batches/:batch_id/cancel',
    doc: { summary: 'Cancel a batch (StopModelInvocationJob)', response: BATCH, errors: ERRORS },
    handler:
      ({ batches }) =>
      async (request) => {
        request.ctx.surface = 'openai-batches';
        return renderBatch(await batches.cancel((request.params as { batch_id: string }).batch_id, request.ctx));
      },
  },
];
