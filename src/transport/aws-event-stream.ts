import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { GatewayError } from '../errors/gateway-error.js';

/** One AWS event-stream message with its headers flattened to strings. */
export interface AwsFrame {
  readonly kind: 'aws';
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: Uint8Array;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PRELUDE_BYTES = 12;
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Cuts an `application/vnd.amazon.eventstream` byte stream into messages across chunk
 * boundaries; the codec checks both CRCs of each message.
 */
export class AwsEventStreamDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): AwsFrame[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.buffer, chunk]);
    const out: AwsFrame[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= PRELUDE_BYTES) {
      const total = this.buffer.readUInt32BE(offset);
      if (total < 16 || total > MAX_MESSAGE_BYTES) throw corrupt(`message length ${total}`);
      if (this.buffer.length - offset < total) break;
      try {
        out.push(toFrame(codec.decode(this.buffer.subarray(offset, offset + total))));
      } catch (err) {
        throw corrupt((err as Error).message);
      }
      offset += total;
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
    return out;
  }

  /** True when bytes of an unfinished message are left over. */
  get hasPartial(): boolean {
    return this.buffer.length > 0;
  }
}

function corrupt(detail: string): GatewayError {
  return new GatewayError('upstream_bad_response', 'The upstream event stream was corrupt', { failure: 'bad_response', detail });
}

function toFrame(message: { headers: Record<string, { value: unknown }>; body: Uint8Array }): AwsFrame {
  const headers: Record<string, string> = {};
  for (const name in message.headers) headers[name] = String(message.headers[name].value);
  return { kind: 'aws', headers, payload: message.body };
}
