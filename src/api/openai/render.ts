import type { ChatResult, ChatUsage } from '../../canonical/chat.js';
import type { EmbeddingsResult } from '../../canonical/embeddings.js';

/** What every rendered answer of one request shares. */
export interface AnswerMeta {
  readonly id: string;
  readonly created: number;
  /** The model name the caller sent (alias or `provider/model`). */
  readonly model: string;
}

export function usageBody(usage: ChatUsage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
  };
  if (usage.cachedTokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cachedTokens };
  return out;
}

/** A `chat.completion` object. */
export function renderChatCompletion(result: ChatResult, meta: AnswerMeta): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: result.content, refusal: null };
  if (result.toolCalls) message.tool_calls = result.toolCalls;
  if (result.reasoning !== undefined) message.reasoning_content = result.reasoning;
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [{ index: 0, message, logprobs: null, finish_reason: result.finishReason }],
    usage: usageBody(result.usage),
  };
}

/** A legacy `text_completion` object for `/v1/completions`. */
export function renderTextCompletion(result: ChatResult, meta: AnswerMeta): Record<string, unknown> {
  return {
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [{ text: result.content ?? '', index: 0, logprobs: null, finish_reason: result.finishReason }],
    usage: usageBody(result.usage),
  };
}

/** Little-endian float32 bytes, base64: what OpenAI clients decode for `encoding_format: base64`. */
export function base64Floats(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}

export function renderEmbeddings(result: EmbeddingsResult, model: string, encoding: 'float' | 'base64'): Record<string, unknown> {
  const data = result.vectors.map((v, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? base64Floats(v) : v }));
  return { object: 'list', data, model, usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens } };
}
