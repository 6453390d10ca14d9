import type { ChatRequest, ChatResult, ChatToolCall, ChatUsage, FinishReason } from '../../canonical/chat.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody } from '../shared/json.js';
import type { ChatCapability, HttpCall, Target, UpstreamReply } from '../types.js';

/** Where an OpenAI-compatible server takes an operation: plain `/chat/completions` or Azure's deployment path. */
export type PathFor = (operation: 'chat/completions' | 'embeddings', model: string) => string;

const FINISH = new Set<string>(['stop', 'length', 'tool_calls', 'content_filter']);

/** The request body for an OpenAI-compatible server: the caller's request with the model rewritten. */
export function openAiChatBody(request: ChatRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request.extra, model, messages: request.messages };
  if (request.maxTokens !== undefined) body[request.maxTokensField ?? 'max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.tools !== undefined) body.tools = request.tools;
  if (request.toolChoice !== undefined) body.tool_choice = request.toolChoice;
  if (request.user !== undefined) body.user = request.user;
  if (request.stream) {
    body.stream = true;
    // Always ask for usage so Rankway can account for it; the caller sees it only if asked.
    body.stream_options = { include_usage: true };
  }
  return body;
}

export function openAiFinish(value: unknown): FinishReason | null {
  if (typeof value !== 'string') return null;
  if (FINISH.has(value)) return value as FinishReason;
  return value === 'function_call' ? 'tool_calls' : 'stop';
}

export function openAiUsage(usage: unknown): ChatUsage {
  const u = (usage ?? {}) as Record<string, any>;
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const promptTokens = n(u.prompt_tokens);
  const completionTokens = n(u.completion_tokens);
  const cached = n(u.prompt_tokens_details?.cached_tokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens: n(u.total_tokens) || promptTokens + completionTokens,
    ...(cached > 0 ? { cachedTokens: cached } : {}),
  };
}

export function openAiChat(pathFor: PathFor): ChatCapability {
  return {
    build: (request: ChatRequest, target: Target): HttpCall => ({
      method: 'POST',
      path: pathFor('chat/completions', target.model),
      body: openAiChatBody(request, target.model),
    }),
    parse(reply: UpstreamReply): ChatResult {
      const body = parseJsonBody(reply.body, 'openai') as Record<string, any>;
      const choice = body?.choices?.[0];
      const message = choice?.message;
      if (!message || typeof message !== 'object') throw badResponse('openai: answer has no choices[0].message');
      const toolCalls = Array.isArray(message.tool_calls) ? (message.tool_calls as ChatToolCall[]) : undefined;
      return {
        content: typeof message.content === 'string' ? message.content : null,
        ...(toolCalls && toolCalls.length > 0 ? { toolCalls } : {}),
        ...(typeof message.reasoning_content === 'string' ? { reasoning: message.reasoning_content } : {}),
        finishReason: openAiFinish(choice.finish_reason),
        usage: openAiUsage(body.usage),
      };
    },
  };
}
