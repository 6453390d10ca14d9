import type { ChatMessage, ChatRequest } from '../../canonical/chat.js';
import type { EmbeddingsRequest } from '../../canonical/embeddings.js';
import type { RerankRequest } from '../../canonical/rerank.js';
import { costUsd, defaultPrice } from '../pricing.js';
import type { ResolvedTarget } from '../router.js';
import { estimateTokens } from '../tokens.js';
import type { Want } from './types.js';

/** Output tokens held for a chat request that sets no `max_tokens`. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;
/** What one image in a chat message is counted as (providers bill 85–1,600 tokens per image). */
const IMAGE_TOKENS = 1600;
/** Per-message framing tokens (role and separators), as OpenAI's counting guide adds. */
const MESSAGE_OVERHEAD = 4;
/** Search units are billed per query over up to this many documents (Cohere, Bedrock). */
const DOCS_PER_SEARCH_UNIT = 100;

const priceOf = (t: ResolvedTarget) => t.price ?? defaultPrice(t.model);

/**
 * Rerank's worst case on one target, from what is known before the call: the request is
 * cut into calls of at most the provider's documents per call (as core's chunking does),
 * each call bills max(1, ceil(documents / 100)) search units and one query, and token-priced
 * models see the query once per document plus each document (cut to max_tokens_per_doc).
 */
export function rerankWant(request: RerankRequest, target: ResolvedTarget): Want {
  const n = request.documents.length;
  const perCall = Math.max(1, target.provider.adapter.limits.maxDocumentsPerCall || n);
  let searchUnits = 0;
  let queries = 0;
  for (let start = 0; start < n; start += perCall) {
    searchUnits += Math.max(1, Math.ceil(Math.min(perCall, n - start) / DOCS_PER_SEARCH_UNIT));
    queries++;
  }
  const queryTokens = estimateTokens(request.query);
  const cap = request.maxTokensPerDoc ?? Infinity;
  let inputTokens = 0;
  for (const d of request.documents) inputTokens += queryTokens + Math.min(cap, estimateTokens(d.text));
  return { tokens: inputTokens, usd: costUsd({ inputTokens, outputTokens: 0, searchUnits, queries }, priceOf(target)) };
}

function contentTokens(content: ChatMessage['content']): number {
  if (content === undefined || content === null) return 0;
  if (typeof content === 'string') return estimateTokens(content);
  let tokens = 0;
  for (const part of content) tokens += part.type === 'text' ? estimateTokens(part.text) : IMAGE_TOKENS;
  return tokens;
}

/** Chat input tokens estimated from the messages and tool definitions. */
export function chatInputTokens(request: ChatRequest): number {
  let tokens = 0;
  for (const m of request.messages) {
    tokens += MESSAGE_OVERHEAD + contentTokens(m.content);
    if (m.role === 'assistant' && m.tool_calls)
      for (const c of m.tool_calls) tokens += estimateTokens(c.function.name + c.function.arguments);
  }
  if (request.tools) tokens += estimateTokens(JSON.stringify(request.tools));
  return tokens;
}

/** Chat: the estimated input plus every output token the request allows. */
export function chatWant(request: ChatRequest, target: ResolvedTarget): Want {
  const inputTokens = chatInputTokens(request);
  const outputTokens = request.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  return { tokens: inputTokens + outputTokens, usd: costUsd({ inputTokens, outputTokens, searchUnits: 0, queries: 0 }, priceOf(target)) };
}

export function embeddingsWant(request: EmbeddingsRequest, target: ResolvedTarget): Want {
  let inputTokens = 0;
  for (const input of request.inputs) inputTokens += estimateTokens(input);
  return { tokens: inputTokens, usd: costUsd({ inputTokens, outputTokens: 0, searchUnits: 0, queries: 0 }, priceOf(target)) };
}

/** Output-length fields of the Bedrock runtime bodies (Converse and each model family's InvokeModel). */
const OUTPUT_FIELDS = new Set(['maxTokens', 'max_tokens', 'max_gen_len', 'maxTokenCount', 'max_new_tokens', 'max_tokens_to_sample']);
/** Fields holding base64 media in Bedrock bodies: counted as one image each, not as text. */
const MEDIA_FIELDS = new Set(['bytes', 'data']);

/**
 * A native Bedrock runtime body passed through unread: its text is estimated from every
 * string in it (media counted as images) and the output from whichever output-length field
 * it sets, else the default.
 */
export function runtimeWant(body: Buffer, target: ResolvedTarget): Want {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  let chars = 0;
  let images = 0;
  let output: number | undefined;
  const walk = (value: unknown, key: string, depth: number): void => {
    if (depth > 64) return;
    if (typeof value === 'string') {
      if (MEDIA_FIELDS.has(key) && value.length > 256) images++;
      else chars += value.length;
    } else if (typeof value === 'number') {
      if (OUTPUT_FIELDS.has(key) && Number.isFinite(value) && value > 0) output = Math.max(output ?? 0, value);
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v, key, depth + 1);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k, depth + 1);
    }
  };
  if (parsed === undefined) chars = body.length;
  else walk(parsed, '', 0);
  const inputTokens = Math.ceil(chars / 4) + images * IMAGE_TOKENS;
  const outputTokens = output ?? DEFAULT_MAX_OUTPUT_TOKENS;
  return { tokens: inputTokens + outputTokens, usd: costUsd({ inputTokens, outputTokens, searchUnits: 0, queries: 0 }, priceOf(target)) };
}
