import type { ChatChunk, ChatRequest, ChatResult, ChatUsage } from '../../canonical/chat.js';
import type { ChatCapability, ChatStreamCapability, HttpCall } from '../../providers/types.js';
import { withFallbacks, withRetries } from '../attempt.js';
import type { RequestContext } from '../context.js';
import { chatWant } from '../limits/estimate.js';
import { reserveRoute, withReservation } from '../limits/reserve.js';
import { gate, refuseSteeringExtras } from '../policy.js';
import { callUpstream } from '../unary-call.js';
import { attempt } from '../upstream-attempt.js';
import { recordTarget, recordUsage } from '../outcome.js';
import type { ResolvedTarget, Router } from '../router.js';
import { ChunkFeed, type ChunkConsumer } from './upstream-stream.js';
import type { GatewayError } from '../../errors/gateway-error.js';

/** A finished answer and where it came from. */
export interface ChatCompletion {
  readonly result: ChatResult;
  readonly target: ResolvedTarget;
}

/**
 * An opened stream: the upstream answered and produced its first chunks, so retries and
 * fallbacks are over. `start` delivers the batches in order, then `end` or a GatewayError
 * for a later failure; `cancel` (the caller went away) releases the upstream connection.
 */
export interface ChatStream {
  readonly target: ResolvedTarget;
  start(consumer: ChunkConsumer): void;
  /** Backpressure: stop reading the upstream until `resume`. */
  pause(): void;
  resume(): void;
  cancel(): void;
}

/** Chat for every provider: route, authorize, retry and fall back, account usage and cost. */
export class ChatService {
  constructor(
    private readonly router: Router,
    /** Largest single event of an upstream stream (`server.max_stream_event_bytes`). */
    private readonly maxEventBytes?: number,
  ) {}

  async complete(request: ChatRequest, ctx: RequestContext): Promise<ChatCompletion> {
    ctx.outcome.operation = 'chat';
    refuseSteeringExtras(request.extra);
    const route = this.router.route(request.model, 'chat', request.fallbacks, gate(ctx));
    return withReservation(
      ctx,
      route,
      (target) => chatWant(request, target),
      async () => {
        const served = await withFallbacks(route, ctx, (target) => this.completeOn(target, request, ctx));
        recordChatUsage(ctx, served.target, served.value.usage);
        return { result: served.value, target: served.target };
      },
    );
  }

  async stream(request: ChatRequest, ctx: RequestContext, signal?: AbortSignal): Promise<ChatStream> {
    ctx.outcome.operation = 'chat';
    refuseSteeringExtras(request.extra);
    const route = this.router.route(request.model, 'chatStream', request.fallbacks, gate(ctx));
    // Settled when the response ends (or the caller abandons it): the usage arrives with the stream.
    await reserveRoute(ctx, route, (target) => chatWant(request, target));
    const served = await withFallbacks(route, ctx, (target) => this.openOn(target, request, ctx, signal));
    recordTarget(ctx, served.target);
    return served.value;
  }

  private completeOn(target: ResolvedTarget, request: ChatRequest, ctx: RequestContext): Promise<ChatResult> {
    const capability: ChatCapability = target.provider.adapter.capabilities.chat!;
    return callUpstream(target, capability.build(request, target.upstream), ctx, (reply) => capability.parse(reply, request));
  }

  /** Opens the stream and waits for its first chunks, so early failures can still be retried. */
  private openOn(target: ResolvedTarget, request: ChatRequest, ctx: RequestContext, signal?: AbortSignal): Promise<ChatStream> {
    const config = target.provider.config;
    const capability: ChatStreamCapability = target.provider.adapter.capabilities.chatStream!;
    const call: HttpCall = capability.build(request, target.upstream);
    return withRetries(
      async (timeoutMs) => {
        const { opened, lease } = await attempt(target, call, ctx, { timeoutMs, stream: true, signal });
        try {
          const feed = new ChunkFeed(opened.body, capability.framing, capability.translator(request), this.maxEventBytes);
          await feed.first();
          // Time to the first chunks is the upstream's; the rest is the caller reading.
          lease.measure();
          return new MeteredStream(feed, target, ctx, () => lease.release());
        } catch (err) {
          lease.release();
          throw err;
        }
      },
      { maxRetries: config.max_retries, timeoutMs: config.timeout_ms, ctx },
    );
  }
}

/** Passes a feed on to its consumer, recording usage as it goes and releasing the slot at the end. */
class MeteredStream implements ChatStream {
  constructor(
    private readonly feed: ChunkFeed,
    readonly target: ResolvedTarget,
    private readonly ctx: RequestContext,
    private readonly release: () => void,
  ) {}

  start(consumer: ChunkConsumer): void {
    const { target, ctx, release } = this;
    this.feed.start({
      batch(chunks: ChatChunk[]) {
        watchUsage(chunks, target, ctx);
        consumer.batch(chunks);
      },
      end() {
        release();
        consumer.end();
      },
      fail(err: GatewayError) {
        release();
        consumer.fail(err);
      },
    });
  }

  pause(): void {
    this.feed.pause();
  }

  resume(): void {
    this.feed.resume();
  }

  cancel(): void {
    this.feed.cancel();
    this.release();
  }
}

function watchUsage(batch: readonly ChatChunk[], target: ResolvedTarget, ctx: RequestContext): void {
  for (const chunk of batch) if (chunk.kind === 'usage') recordChatUsage(ctx, target, chunk.usage);
}

function recordChatUsage(ctx: RequestContext, target: ResolvedTarget, usage: ChatUsage): void {
  recordUsage(ctx, target, { inputTokens: usage.promptTokens, outputTokens: usage.completionTokens, searchUnits: 0, queries: 0 });
}
