import type { Readable } from 'node:stream';
import type { ChatChunk } from '../../canonical/chat.js';
import type { ChatStreamCapability, StreamFrame, StreamTranslator } from '../../providers/types.js';
import { AwsEventStreamDecoder } from '../../transport/aws-event-stream.js';
import { SseDecoder } from '../../transport/sse.js';
import { classifyTransportError } from '../../transport/http-client.js';
import { GatewayError } from '../../errors/gateway-error.js';

interface Framer {
  push(chunk: Buffer): readonly StreamFrame[];
  end(): readonly StreamFrame[];
}

function framerFor(framing: ChatStreamCapability['framing']): Framer {
  if (framing === 'sse') {
    const sse = new SseDecoder();
    return {
      push: (chunk) => sse.push(chunk).map((data) => ({ kind: 'sse', data })),
      end: () => sse.end().map((data) => ({ kind: 'sse', data })),
    };
  }
  const aws = new AwsEventStreamDecoder();
  return {
    push: (chunk) => aws.push(chunk),
    end: () => {
      if (aws.hasPartial) throw new GatewayError('upstream_bad_response', 'The upstream stream ended mid-message', { failure: 'bad_response' });
      return [];
    },
  };
}

/**
 * Reads an upstream stream body and yields canonical chunks in batches (one batch per
 * network read). Transport failures surface as GatewayErrors; the body is destroyed
 * whenever the consumer stops early.
 */
export async function* translateStream(
  body: Readable,
  framing: ChatStreamCapability['framing'],
  translator: StreamTranslator,
): AsyncGenerator<ChatChunk[]> {
  const framer = framerFor(framing);
  let complete = false;
  try {
    try {
      for await (const data of body as AsyncIterable<Buffer>) {
        const out: ChatChunk[] = [];
        let failure: unknown;
        try {
          for (const frame of framer.push(data)) out.push(...translator.push(frame));
        } catch (err) {
          failure = err;
        }
        // Chunks decoded before a failure in the same read still reach the caller first.
        if (out.length > 0) yield out;
        if (failure !== undefined) throw failure;
      }
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw classifyTransportError(err, false, { method: 'POST', origin: 'upstream', path: '(stream)', headers: {}, timeoutMs: 0 });
    }
    const tail: ChatChunk[] = [];
    for (const frame of framer.end()) tail.push(...translator.push(frame));
    tail.push(...translator.end());
    complete = true;
    if (tail.length > 0) yield tail;
  } finally {
    if (!complete) body.destroy();
  }
}
