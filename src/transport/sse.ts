import { GatewayError } from '../errors/gateway-error.js';

/** Default cap on one streamed event (`server.max_stream_event_bytes`). */
export const DEFAULT_MAX_STREAM_EVENT_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts a server-sent-events byte stream into the `data` of each event. Multi-line data
 * is joined with `\n`; comments and other fields are ignored. Handles CRLF and events
 * split across chunks.
 *
 * Each byte is looked at once: a read is searched for line feeds from where the last
 * search stopped, and an unfinished line is kept as the chunks it came in, joined once
 * when its line feed arrives. (Appending to one string and searching it again on every read
 * made a long line cost time quadratic in its length.) One event — its data lines plus the
 * line still arriving — may hold at most `maxEventBytes`; beyond that the stream is a bad
 * upstream response, before it can pin more memory.
 */
export class SseDecoder {
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private data: string[] = [];
  private dataBytes = 0;

  constructor(private readonly maxEventBytes: number = DEFAULT_MAX_STREAM_EVENT_BYTES) {}

  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      this.line(this.take(chunk, start, nl), out);
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.pieceBytes += chunk.length - start;
      this.check(this.pieceBytes);
      this.pieces.push(start === 0 ? chunk : chunk.subarray(start));
    }
    return out;
  }

  end(): string[] {
    const out: string[] = [];
    if (this.pieceBytes > 0) this.line(this.take(Buffer.alloc(0), 0, 0), out);
    this.line(Buffer.alloc(0), out);
    return out;
  }

  /** The line ending at `chunk[end]` (exclusive), joined with what earlier reads left, without its CR. */
  private take(chunk: Buffer, start: number, end: number): Buffer {
    let line: Buffer;
    if (this.pieces.length === 0) line = chunk.subarray(start, end);
    else {
      this.pieces.push(chunk.subarray(start, end));
      line = Buffer.concat(this.pieces, this.pieceBytes + end - start);
      this.pieces = [];
      this.pieceBytes = 0;
    }
    return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
  }

  private line(line: Buffer, out: string[]): void {
    if (line.length === 0) {
      if (this.data.length > 0) out.push(this.data.join('\n'));
      this.data = [];
      this.dataBytes = 0;
      return;
    }
    // "data:" — compared as bytes so only data lines are ever decoded to text.
    if (line.length < 5 || line[0] !== 0x64 || line[1] !== 0x61 || line[2] !== 0x74 || line[3] !== 0x61 || line[4] !== 0x3a) return;
    const from = line[5] === 0x20 ? 6 : 5;
    this.dataBytes += line.length - from + 1;
    this.check(0);
    this.data.push(line.toString('utf8', from));
  }

  private check(pending: number): void {
    if (this.dataBytes + pending <= this.maxEventBytes) return;
    this.pieces = [];
    this.pieceBytes = 0;
    this.data = [];
    this.dataBytes = 0;
    throw eventTooLarge(this.maxEventBytes);
  }
}

/** One streamed event over the cap: a bad upstream response (retried elsewhere before headers). */
export function eventTooLarge(maxBytes: number, size?: number): GatewayError {
  return new GatewayError('upstream_bad_response', `An upstream stream event exceeded the ${maxBytes}-byte limit`, {
    failure: 'bad_response',
    detail: size === undefined ? `event over ${maxBytes} bytes` : `event of ${size} bytes, limit ${maxBytes}`,
  });
}
