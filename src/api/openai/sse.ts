import type { ChatChunk } from '../../canonical/chat.js';
import type { ChatStream } from '../../core/chat/service.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import { openAiEnvelope } from '../../errors/render.js';
import { usageBody, type AnswerMeta } from './render.js';

export type StreamShape = 'chat' | 'text';

/**
 * Renders canonical chunks as OpenAI SSE events. The per-request JSON prefix is built
 * once; each event only serialises its own delta.
 */
export class SseRenderer {
  private readonly prefix: string;

  constructor(
    meta: AnswerMeta,
    private readonly shape: StreamShape,
    private readonly includeUsage: boolean,
  ) {
    const object = shape === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.prefix = `data: {"id":${JSON.stringify(meta.id)},"object":"${object}","created":${meta.created},"model":${JSON.stringify(meta.model)},"system_fingerprint":null,"choices":[`;
  }

  /** The SSE text for one batch of chunks (may be empty). */
  render(batch: readonly ChatChunk[]): string {
    let out = '';
    for (const chunk of batch) out += this.event(chunk);
    return out;
  }

  private event(chunk: ChatChunk): string {
    const usageTail = this.includeUsage ? ',"usage":null}\n\n' : '}\n\n';
    if (this.shape === 'text') {
      if (chunk.kind === 'text')
        return `${this.prefix}{"text":${JSON.stringify(chunk.text)},"index":0,"logprobs":null,"finish_reason":null}]${usageTail}`;
      if (chunk.kind === 'finish')
        return `${this.prefix}{"text":"","index":0,"logprobs":null,"finish_reason":${JSON.stringify(chunk.reason)}}]${usageTail}`;
      if (chunk.kind === 'usage') return this.includeUsage ? `${this.prefix}],"usage":${JSON.stringify(usageBody(chunk.usage))}}\n\n` : '';
      return '';
    }
    switch (chunk.kind) {
      case 'role':
        return this.choice('{"role":"assistant","content":""}', 'null', usageTail);
      case 'text':
        return this.choice(`{"content":${JSON.stringify(chunk.text)}}`, 'null', usageTail);
      case 'reasoning':
        return this.choice(`{"reasoning_content":${JSON.stringify(chunk.text)}}`, 'null', usageTail);
      case 'tool':
        return this.choice(`{"tool_calls":[${JSON.stringify(chunk.call)}]}`, 'null', usageTail);
      case 'finish':
        return this.choice('{}', JSON.stringify(chunk.reason), usageTail);
      case 'usage':
        return this.includeUsage ? `${this.prefix}],"usage":${JSON.stringify(usageBody(chunk.usage))}}\n\n` : '';
    }
  }

  private choice(delta: string, finish: string, tail: string): string {
    return `${this.prefix}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${tail}`;
  }
}

export const errorEvent = (err: GatewayError): string => `data: ${JSON.stringify(openAiEnvelope(err))}\n\n`;

/** The part of Node's HTTP/1.1 and HTTP/2 responses a streamed answer writes to. */
export interface SseTarget {
  writeHead(status: number, headers: Record<string, string | number | string[]>): unknown;
  write(text: string): boolean;
  end(text?: string): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  readonly writableFinished: boolean;
}

/**
 * Writes a streamed answer straight to the response: events as chunks arrive, `data: [DONE]`
 * at the end, or one error event and the end of the stream if the upstream fails midway.
 * Text decoded from one network read is written on the next turn of the event loop, so an
 * upstream that sends its whole answer at once costs one socket write, end included. The
 * upstream is read only as fast as the caller takes the events, and stops if the caller
 * goes away.
 */
export function writeSse(
  res: SseTarget,
  headers: Record<string, string | number | string[]>,
  stream: ChatStream,
  renderer: SseRenderer,
  onError: (err: GatewayError) => void,
): void {
  res.writeHead(200, headers);
  let pending = '';
  let flushing: NodeJS.Immediate | undefined;
  const resume = (): void => stream.resume();
  const flush = (): void => {
    flushing = undefined;
    const text = pending;
    pending = '';
    if (!res.write(text)) {
      stream.pause();
      res.once('drain', resume);
    }
  };
  const finish = (last: string): void => {
    if (flushing) clearImmediate(flushing);
    flushing = undefined;
    const text = pending + last;
    pending = '';
    res.end(text);
  };
  res.once('close', () => {
    if (!res.writableFinished) {
      if (flushing) clearImmediate(flushing);
      stream.cancel();
    }
  });
  stream.start({
    batch(chunks: ChatChunk[]) {
      const text = renderer.render(chunks);
      if (text.length === 0) return;
      pending += text;
      flushing ??= setImmediate(flush);
    },
    end() {
      finish('data: [DONE]\n\n');
    },
    fail(err: GatewayError) {
      onError(err);
      finish(errorEvent(err));
    },
  });
}
