import type { ChatResult, ChatToolCall, ChatUsage, FinishReason } from '../../../canonical/chat.js';
import { badResponse } from '../../shared/errors.js';
import { parseJsonBody } from '../../shared/json.js';
import type { UpstreamReply } from '../../types.js';

/** Converse `stopReason` -> OpenAI `finish_reason` (docs/protocols.md §4.5). */
const FINISH: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
  // No OpenAI equivalent: the answer ended, so report a plain stop.
  malformed_model_output: 'stop',
  malformed_tool_use: 'stop',
};

export const finishReason = (stopReason: unknown): FinishReason | null =>
  typeof stopReason === 'string' ? (FINISH[stopReason] ?? 'stop') : null;

/** Converse `usage` -> canonical usage; cached reads are reported as cached prompt tokens. */
export function converseUsage(usage: unknown): ChatUsage {
  const u = (usage ?? {}) as Record<string, unknown>;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const promptTokens = num(u.inputTokens);
  const completionTokens = num(u.outputTokens);
  const cached = num(u.cacheReadInputTokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens: num(u.totalTokens) || promptTokens + completionTokens,
    ...(cached > 0 ? { cachedTokens: cached } : {}),
  };
}

/** A Converse answer as a canonical chat result. */
export function parseConverse(reply: UpstreamReply): ChatResult {
  const body = parseJsonBody(reply.body, 'bedrock') as Record<string, any>;
  const content = body?.output?.message?.content;
  if (!Array.isArray(content)) throw badResponse('bedrock: converse answer has no output.message.content');
  let text: string | null = null;
  let reasoning: string | undefined;
  const toolCalls: ChatToolCall[] = [];
  for (const block of content) {
    if (typeof block?.text === 'string') text = (text ?? '') + block.text;
    else if (block?.toolUse) {
      const use = block.toolUse;
      toolCalls.push({
        id: String(use.toolUseId),
        type: 'function',
        function: { name: String(use.name), arguments: JSON.stringify(use.input ?? {}) },
      });
    } else if (typeof block?.reasoningContent?.reasoningText?.text === 'string') {
      reasoning = (reasoning ?? '') + block.reasoningContent.reasoningText.text;
    }
  }
  return {
    content: text,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(reasoning !== undefined ? { reasoning } : {}),
    finishReason: finishReason(body.stopReason),
    usage: converseUsage(body.usage),
  };
}
