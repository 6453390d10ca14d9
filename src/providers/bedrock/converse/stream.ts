import type { ChatChunk } from '../../../canonical/chat.js';
import { GatewayError, type FailureClass } from '../../../errors/gateway-error.js';
import type { ErrorCode } from '../../../errors/codes.js';
import { badResponse } from '../../shared/errors.js';
import type { StreamFrame, StreamTranslator } from '../../types.js';
import { converseUsage, finishReason } from './response.js';

/** In-stream exception names (`:exception-type`) and what they mean for the caller. */
const STREAM_EXCEPTIONS: Readonly<Record<string, { code: ErrorCode; failure: FailureClass; message: string }>> = {
  throttlingException: { code: 'upstream_rate_limited', failure: 'rate_limit', message: 'The upstream provider is rate limiting requests' },
  validationException: {
    code: 'upstream_rejected_request',
    failure: 'caller_fault',
    message: 'The upstream provider rejected the request',
  },
  serviceUnavailableException: { code: 'upstream_unavailable', failure: 'transient', message: 'The upstream provider is unavailable' },
  internalServerException: { code: 'upstream_unavailable', failure: 'transient', message: 'The upstream provider failed' },
  modelStreamErrorException: { code: 'upstream_unavailable', failure: 'transient', message: 'The model failed while streaming' },
  modelTimeoutException: { code: 'upstream_timeout', failure: 'timeout', message: 'The model timed out' },
};

const decoder = new TextDecoder();

/**
 * ConverseStream events -> canonical chunks (docs/protocols.md §4.4, §4.5). Tool blocks are
 * numbered in order of appearance, as OpenAI's `tool_calls[].index` expects.
 */
export class ConverseStreamTranslator implements StreamTranslator {
  private readonly toolIndex = new Map<number, number>();
  private stopped = false;

  push(frame: StreamFrame): ChatChunk[] {
    if (frame.kind !== 'aws') throw badResponse('bedrock: expected an event-stream frame');
    const type = frame.headers[':message-type'];
    if (type === 'exception') throw streamException(frame.headers[':exception-type'] ?? 'unknown', frame.payload);
    if (type === 'error') {
      throw new GatewayError('upstream_unavailable', 'The upstream provider failed while streaming', {
        failure: 'transient',
        upstreamCode: frame.headers[':error-code'],
        detail: `${frame.headers[':error-code']}: ${frame.headers[':error-message']}`,
      });
    }
    const event = frame.headers[':event-type'];
    const p = parsePayload(frame.payload);
    switch (event) {
      case 'messageStart':
        return [{ kind: 'role' }];
      case 'contentBlockStart': {
        const use = p.start?.toolUse;
        if (!use) return [];
        const index = this.toolIndex.size;
        this.toolIndex.set(p.contentBlockIndex, index);
        return [
          {
            kind: 'tool',
            call: { index, id: String(use.toolUseId), type: 'function', function: { name: String(use.name), arguments: '' } },
          },
        ];
      }
      case 'contentBlockDelta': {
        const delta = p.delta ?? {};
        if (typeof delta.text === 'string') return delta.text === '' ? [] : [{ kind: 'text', text: delta.text }];
        if (delta.toolUse) {
          const index = this.toolIndex.get(p.contentBlockIndex);
          if (index === undefined) throw badResponse('bedrock: tool input delta before its block started');
          return [{ kind: 'tool', call: { index, function: { arguments: String(delta.toolUse.input ?? '') } } }];
        }
        const reasoning = delta.reasoningContent?.text;
        return typeof reasoning === 'string' && reasoning !== '' ? [{ kind: 'reasoning', text: reasoning }] : [];
      }
      case 'messageStop':
        this.stopped = true;
        return [{ kind: 'finish', reason: finishReason(p.stopReason) }];
      case 'metadata':
        if (!p.usage) return [];
        return [{ kind: 'usage', usage: converseUsage(p.usage) }];
      default:
        // contentBlockStop and newer event types carry nothing an OpenAI client reads.
        return [];
    }
  }

  end(): ChatChunk[] {
    if (!this.stopped) throw badResponse('bedrock: the stream ended before messageStop');
    return [];
  }
}

function parsePayload(payload: Uint8Array): Record<string, any> {
  try {
    return JSON.parse(decoder.decode(payload)) as Record<string, any>;
  } catch {
    throw badResponse('bedrock: event payload is not JSON');
  }
}

function streamException(name: string, payload: Uint8Array): GatewayError {
  const known = STREAM_EXCEPTIONS[name];
  let message = '';
  try {
    message = String((JSON.parse(decoder.decode(payload)) as { message?: unknown }).message ?? '');
  } catch {
    message = '';
  }
  const spec = known ?? {
    code: 'upstream_unavailable' as const,
    failure: 'transient' as const,
    message: 'The upstream provider failed while streaming',
  };
  return new GatewayError(spec.code, spec.message, {
    failure: spec.failure,
    upstreamCode: name.charAt(0).toUpperCase() + name.slice(1),
    detail: `${name}: ${message}`,
  });
}
