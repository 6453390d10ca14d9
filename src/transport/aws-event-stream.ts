import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { GatewayError } from '../errors/gateway-error.js';
import { DEFAULT_MAX_STREAM_EVENT_BYTES, eventTooLarge } from './sse.js';

/** One AWS event-stream message with its headers flattened to strings. */
export interface AwsFrame {
  readonly kind: 'aws';
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: Uint8Array;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
/** The total-length field that opens every message. */
const LENGTH_BYTES = 4;
/** Prelude (12) and message CRC (4): the smallest possible message. */
const MIN_MESSAGE_BYTES = 16;

/**
 * Cuts an `application/vnd.amazon.eventstream` byte stream into messages across chunk
 * boundaries; the codec checks both CRCs of each message.
 *
 * Whole messages inside one read are decoded in place. A message split across reads is kept
 * as the pieces it came in and joined once, when its last byte arrives, so each byte is
 * copied at most once (joining the buffer to every new read was quadratic in the message
 * size). A message longer than `maxMessageBytes` is refused from its length field, before
 * any of it is held.
 */
export class AwsEventStreamDecoder {
  private pieces: Buffer[] = [];
  private bytes = 0;
  /** Total length of the message being collected; 0 until its length field is complete. */
  private need = 0;

  constructor(private readonly maxMessageBytes: number = DEFAULT_MAX_STREAM_EVENT_BYTES) {}

  push(chunk: Uint8Array): AwsFrame[] {
    const out: AwsFrame[] = [];
    let rest = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.bytes > 0) {
      rest = this.continuePending(rest, out);
      if (this.bytes > 0) return out;
    }
    while (rest.length > 0) {
      if (rest.length < LENGTH_BYTES) {
        this.stash(rest);
        break;
      }
      const total = this.checkLength(rest.readUInt32BE(0));
      if (rest.length < total) {
        this.need = total;
        this.stash(rest);
        break;
      }
      out.push(decode(rest.subarray(0, total)));
      rest = rest.subarray(total);
    }
    return out;
  }

  /** True when bytes of an unfinished message are left over. */
  get hasPartial(): boolean {
    return this.bytes > 0;
  }

  /** Feeds the message started in earlier reads; returns what is left of `rest` after it. */
  private continuePending(rest: Buffer, out: AwsFrame[]): Buffer {
    if (this.need === 0) {
      const k = Math.min(LENGTH_BYTES - this.bytes, rest.length);
      this.stash(rest.subarray(0, k));
      rest = rest.subarray(k);
      if (this.bytes < LENGTH_BYTES) return rest;
      const head = Buffer.concat(this.pieces, this.bytes);
      this.pieces = [head];
      this.need = this.checkLength(head.readUInt32BE(0));
    }
    const k = Math.min(this.need - this.bytes, rest.length);
    if (k > 0) this.stash(rest.subarray(0, k));
    if (this.bytes < this.need) return rest.subarray(k);
    const message = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.need);
    this.pieces = [];
    this.bytes = 0;
    this.need = 0;
    out.push(decode(message));
    return rest.subarray(k);
  }

  private stash(piece: Buffer): void {
    this.pieces.push(piece);
    this.bytes += piece.length;
  }

  private checkLength(total: number): number {
    if (total >= MIN_MESSAGE_BYTES && total <= this.maxMessageBytes) return total;
    this.pieces = [];
    this.bytes = 0;
    this.need = 0;
    if (total > this.maxMessageBytes) throw eventTooLarge(this.maxMessageBytes, total);
    throw corrupt(`message length ${total}`);
  }
}

function decode(message: Uint8Array): AwsFrame {
  let decoded: { headers: Record<string, { value: unknown }>; body: Uint8Array };
  try {
    decoded = codec.decode(message);
  } catch (err) {
    throw corrupt((err as Error).message);
  }
  const headers: Record<string, string> = {};
  for (const name in decoded.headers) headers[name] = String(decoded.headers[name].value);
  return { kind: 'aws', headers, payload: decoded.body };
}

function corrupt(detail: string): GatewayError {
  return new GatewayError('upstream_bad_response', 'The upstream event stream was corrupt', { failure: 'bad_response', detail });
}
