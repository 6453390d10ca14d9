import type { ChatChunk, ChatToolCallDelta } from '../../canonical/chat.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { badResponse, genericMessage } from '../shared/errors.js';
import type { ChatRequest } from '../../canonical/chat.js';
import type { ChatStreamCapability, HttpCall, StreamFrame, StreamTranslator, Target } from '../types.js';
import { openAiChatBody, openAiFinish, openAiUsage, type PathFor } from './chat.js';

/** OpenAI SSE chunks -> canonical chunks; `[DONE]` ends the stream. */
export class OpenAiStreamTranslator implements StreamTranslator {
  private done = false;
  private finished = false;

  push(frame: StreamFrame): ChatChunk[] {
    if (frame.kind !== 'sse') throw badResponse('openai: expected a server-sent event');
    if (frame.data === '[DONE]') {
      this.done = true;
      return [];
    }
    let chunk: Record<string, any>;
    try {
      chunk = JSON.parse(frame.data) as Record<string, any>;
    } catch {
      throw badResponse('openai: stream event is not JSON');
    }
    if (chunk.error !== undefined) {
      throw new GatewayError('upstream_unavailable', 'The upstream provider failed while streaming', {
        failure: 'transient',
        detail: genericMessage(chunk) ?? JSON.stringify(chunk.error),
      });
    }
    const out: ChatChunk[] = [];
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    const delta = choice?.delta;
    if (delta) {
      if (delta.role === 'assistant') out.push({ kind: 'role' });
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '')
        out.push({ kind: 'reasoning', text: delta.reasoning_content });
      if (typeof delta.content === 'string' && delta.content !== '') out.push({ kind: 'text', text: delta.content });
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) out.push({ kind: 'tool', call: toolDelta(call) });
    }
    if (choice?.finish_reason) {
      this.finished = true;
      out.push({ kind: 'finish', reason: openAiFinish(choice.finish_reason) });
    }
    if (chunk.usage) out.push({ kind: 'usage', usage: openAiUsage(chunk.usage) });
    return out;
  }

  end(): ChatChunk[] {
    if (!this.done && !this.finished) throw badResponse('openai: the stream ended before a finish_reason');
    return [];
  }
}

function toolDelta(call: Record<string, any>): ChatToolCallDelta {
  const fn = call.function ?? {};
  return {
    index: typeof call.index === 'number' ? call.index : 0,
    ...(typeof call.id === 'string' ? { id: call.id, type: 'function' as const } : {}),
    function: {
      ...(typeof fn.name === 'string' ? { name: fn.name } : {}),
      arguments: typeof fn.arguments === 'string' ? fn.arguments : '',
    },
  };
}

export function openAiChatStream(pathFor: PathFor): ChatStreamCapability {
  return {
    framing: 'sse',
    build: (request: ChatRequest, target: Target): HttpCall => ({
      method: 'POST',
      path: pathFor('chat/completions', target.model),
      headers: { accept: 'text/event-stream' },
      body: openAiChatBody(request, target.model),
    }),
    translator: () => new OpenAiStreamTranslator(),
  };
}
