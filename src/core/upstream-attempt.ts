import type { HttpCall, UpstreamReply } from '../providers/types.js';
import type { OpenedReply } from '../transport/http-client.js';
import type { Outcome, RequestContext } from './context.js';
import type { ProviderRuntime } from './provider-runtime.js';
import type { ResolvedTarget } from './router.js';

/** A provider's concurrency slot held by one attempt, and the time it spends upstream. */
export class SlotLease {
  private readonly t0 = performance.now();
  private measured = false;
  private released = false;

  constructor(
    private readonly provider: ProviderRuntime,
    private readonly outcome: Outcome,
  ) {}

  /** Adds the time spent upstream so far to the outcome (once), without freeing the slot. */
  measure(): void {
    if (this.measured) return;
    this.measured = true;
    this.outcome.upstreamMs += performance.now() - this.t0;
  }

  /** Frees the slot (idempotent) and, unless `measure` did, adds the time spent upstream. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.provider.releaseSlot();
    this.measure();
  }
}

/** A streamed 2xx answer, its body still on the wire and its slot still held: `lease.release()` when done with it. */
export interface HeldReply {
  readonly opened: OpenedReply;
  readonly lease: SlotLease;
}

export interface AttemptOptions {
  readonly timeoutMs: number;
  /** Streamed: resolve at the answer's headers and keep the slot until the caller releases it. */
  readonly stream?: boolean;
  /** Aborts a streamed call when the caller goes away. */
  readonly signal?: AbortSignal;
}

/**
 * One upstream attempt, the body every call shares (unary calls, relays, chat streams): wait
 * for the provider's rate and concurrency slot, send, give the slot back, and turn an error
 * answer into the provider's classified failure (the GatewayError the retry and fallback loops
 * read). A unary call resolves with its 2xx reply read whole; a streamed one with the reply
 * still open and its slot held.
 */
export function attempt(
  target: ResolvedTarget,
  call: HttpCall,
  ctx: RequestContext,
  options: AttemptOptions & { readonly stream?: false },
): Promise<UpstreamReply>;
export function attempt(
  target: ResolvedTarget,
  call: HttpCall,
  ctx: RequestContext,
  options: AttemptOptions & { readonly stream: true },
): Promise<HeldReply>;
export async function attempt(
  target: ResolvedTarget,
  call: HttpCall,
  ctx: RequestContext,
  options: AttemptOptions,
): Promise<UpstreamReply | HeldReply> {
  const provider = target.provider;
  await provider.acquireSlot(ctx.deadline);
  const lease = new SlotLease(provider, ctx.outcome);
  try {
    if (options.stream !== true) {
      const reply = await provider.send(call, options.timeoutMs, ctx);
      lease.release();
      if (reply.status >= 300) throw provider.adapter.parseError(reply);
      return reply;
    }
    const opened = await provider.open(call, { timeoutMs: options.timeoutMs, signal: options.signal, ctx });
    if (opened.status < 300) return { opened, lease };
    const body = await opened.readAll();
    lease.release();
    throw provider.adapter.parseError({ status: opened.status, headers: opened.headers, body });
  } catch (err) {
    lease.release();
    throw err;
  }
}
