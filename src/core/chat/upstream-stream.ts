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

function framerFor(framing: ChatStreamCapability['framing'], maxEventBytes?: number): Framer {
  if (framing === 'sse') {
    const sse = new SseDecoder(maxEventBytes);
    return {
      push: (chunk) => sse.push(chunk).map((data) => ({ kind: 'sse', data })),
      end: () => sse.end().map((data) => ({ kind: 'sse', data })),
    };
  }
  const aws = new AwsEventStreamDecoder(maxEventBytes);
  return {
    push: (chunk) => aws.push(chunk),
    end: () => {
      if (aws.hasPartial)
        throw new GatewayError('upstream_bad_response', 'The upstream stream ended mid-message', { failure: 'bad_response' });
      return [];
    },
  };
}

/** Receives a feed's batches in order, then exactly one of `end` or `fail`. */
export interface ChunkConsumer {
  batch(chunks: ChatChunk[]): void;
  end(): void;
  fail(err: GatewayError): void;
}

type Settled = { readonly kind: 'end' } | { readonly kind: 'fail'; readonly err: GatewayError };

/**
 * Decodes an upstream stream body into canonical chunks as its bytes arrive, one batch
 * per network read, and pushes them to one consumer. Event-driven on purpose: a chain of
 * async generators costs promises and microtask hops for every batch of every stream.
 *
 * Until a consumer is attached the feed holds what it decoded and pauses the body, so
 * `first()` can wait for the first batch (an early failure can still be retried) without
 * reading further ahead. `pause`/`resume` carry the consumer's backpressure to the body;
 * `cancel` stops the upstream.
 */
export class ChunkFeed {
  private readonly framer: Framer;
  private held: ChatChunk[][] = [];
  private settled?: Settled;
  private consumer?: ChunkConsumer;
  private waiting?: (outcome: 'batch' | 'end' | 'fail') => void;

  constructor(
    private readonly body: Readable,
    framing: ChatStreamCapability['framing'],
    private readonly translator: StreamTranslator,
    /** Cap on one upstream event; a bigger one fails the feed as a bad upstream response. */
    maxEventBytes?: number,
  ) {
    this.framer = framerFor(framing, maxEventBytes);
    body.on('data', (data: Buffer) => this.onData(data));
    body.once('end', () => this.onEnd());
    body.once('error', (err) => this.settle({ kind: 'fail', err: asGatewayError(err) }));
    body.once('close', () => {
      if (!this.settled && !body.readableEnded)
        this.settle({ kind: 'fail', err: asGatewayError(new Error('upstream stream closed early')) });
    });
  }

  /** Resolves once the first batch arrived or the stream ended; rejects if it failed first. */
  async first(): Promise<void> {
    if (this.held.length === 0 && !this.settled) await new Promise<string>((resolve) => (this.waiting = resolve));
    if (this.held.length === 0 && this.settled?.kind === 'fail') throw this.settled.err;
  }

  /** Attaches the consumer: replays what is held, then delivers as bytes arrive. */
  start(consumer: ChunkConsumer): void {
    this.consumer = consumer;
    const held = this.held;
    this.held = [];
    for (const batch of held) consumer.batch(batch);
    if (this.settled) this.deliver(this.settled);
    else this.body.resume();
  }

  pause(): void {
    this.body.pause();
  }

  resume(): void {
    if (!this.settled) this.body.resume();
  }

  /** The consumer went away: stop reading and release the upstream connection. */
  cancel(): void {
    this.consumer = undefined;
    if (!this.settled) {
      this.settled = { kind: 'end' };
      this.body.destroy();
    }
  }

  private onData(data: Buffer): void {
    if (this.settled) return;
    const out: ChatChunk[] = [];
    let failure: unknown;
    try {
      for (const frame of this.framer.push(data)) for (const chunk of this.translator.push(frame)) out.push(chunk);
    } catch (err) {
      failure = err;
    }
    // Chunks decoded before a failure in the same read still reach the caller first.
    if (out.length > 0) this.emit(out);
    if (failure !== undefined) {
      this.settle({ kind: 'fail', err: asGatewayError(failure) });
      this.body.destroy();
    }
  }

  private onEnd(): void {
    if (this.settled) return;
    const tail: ChatChunk[] = [];
    try {
      for (const frame of this.framer.end()) for (const chunk of this.translator.push(frame)) tail.push(chunk);
      for (const chunk of this.translator.end()) tail.push(chunk);
    } catch (err) {
      if (tail.length > 0) this.emit(tail);
      this.settle({ kind: 'fail', err: asGatewayError(err) });
      return;
    }
    if (tail.length > 0) this.emit(tail);
    this.settle({ kind: 'end' });
  }

  private emit(batch: ChatChunk[]): void {
    if (this.consumer) {
      this.consumer.batch(batch);
      return;
    }
    this.held.push(batch);
    this.body.pause();
    this.wake('batch');
  }

  private settle(outcome: Settled): void {
    if (this.settled) return;
    this.settled = outcome;
    if (this.consumer) this.deliver(outcome);
    else this.wake(outcome.kind);
  }

  private deliver(outcome: Settled): void {
    const consumer = this.consumer!;
    this.consumer = undefined;
    if (outcome.kind === 'end') consumer.end();
    else consumer.fail(outcome.err);
  }

  private wake(outcome: 'batch' | 'end' | 'fail'): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(outcome);
  }
}

function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return classifyTransportError(err, false, { method: 'POST', origin: 'upstream', path: '(stream)', headers: {}, timeoutMs: 0 });
}
