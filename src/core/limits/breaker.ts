/** Options of the guard around every command the shared limiter sends to Redis. */
export interface BreakerOptions {
  /** A command that has not answered after this long is treated as failed (tens of ms). */
  readonly timeoutMs: number;
  /**
   * While Redis keeps answering other commands (busy, not hung), a command may wait up to
   * this long before it counts as failed. Default 10 × `timeoutMs`.
   */
  readonly busyTimeoutMs?: number;
  /** Consecutive failures that open the circuit. */
  readonly failures: number;
  /** While open, how often a probe checks whether Redis answers again. */
  readonly probeMs: number;
  /** Resolves when Redis answers a trivial command (PING). */
  readonly probe: () => Promise<unknown>;
  /** Called on each change: true = shared limits again, false = per-instance limits. */
  readonly onChange: (shared: boolean) => void;
}

/**
 * A circuit breaker with command timeouts. Closed: commands go to Redis and must answer
 * within `timeoutMs`. After `failures` failures in a row it opens: callers decide locally at
 * once, with no waiting, and a probe runs every `probeMs` until Redis answers, which closes it.
 */
export class Breaker {
  private open = false;
  private failed = 0;
  private timer?: NodeJS.Timeout;
  private closedForGood = false;
  /** When Redis last answered anything (ms, performance clock). */
  private lastAnswer = 0;

  constructor(private readonly options: BreakerOptions) {}

  /** Shared limits are in force (the circuit is closed). */
  get closed(): boolean {
    return !this.open;
  }

  /**
   * Runs `op` unless the circuit is open. Resolves `undefined` when the caller must decide
   * locally (open circuit, error or timeout). A command that answers after its timeout still
   * took effect in Redis: `late` receives that answer so the caller can undo it.
   */
  async run<T>(op: () => Promise<T>, late?: (value: T) => void): Promise<T | undefined> {
    if (this.open) return undefined;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let answered = false;
    const sent = performance.now();
    const pending = op();
    pending.then(
      () => {
        answered = true;
        this.lastAnswer = performance.now();
      },
      () => undefined,
    );
    const busyMs = this.options.busyTimeoutMs ?? 10 * this.options.timeoutMs;
    const timeout = new Promise<undefined>((resolve) => {
      const check = (): void => {
        // Checked after the next poll phase: when the event loop itself was stalled, a reply
        // already waiting on the socket is read first instead of being counted as a timeout.
        setImmediate(() => {
          if (answered) return;
          // A hung Redis (paused, partitioned) answers nothing; one that answered other commands
          // since this one left, and within the last timeout, is busy rather than gone (or this
          // machine is starved): wait a little longer, up to `busyTimeoutMs`.
          const now = performance.now();
          if (this.lastAnswer > sent && now - this.lastAnswer < this.options.timeoutMs && now - sent < busyMs) {
            timer = setTimeout(check, this.options.timeoutMs);
            return;
          }
          timedOut = true;
          resolve(undefined);
        });
      };
      timer = setTimeout(check, this.options.timeoutMs);
    });
    try {
      const value = await Promise.race([pending, timeout]);
      if (!timedOut) {
        this.failed = 0;
        return value;
      }
    } catch {
      this.fail(1);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
    pending.then(
      (value) => late?.(value),
      () => undefined,
    );
    this.fail(1);
    return undefined;
  }

  /** Opens the circuit at once (the connection is known to be down). */
  trip(): void {
    this.fail(this.options.failures);
  }

  private fail(count: number): void {
    this.failed += count;
    if (this.open || this.failed < this.options.failures || this.closedForGood) return;
    this.open = true;
    this.options.onChange(false);
    this.timer = setInterval(() => void this.tryProbe(), this.options.probeMs);
    this.timer.unref();
  }

  private probing = false;

  private async tryProbe(): Promise<void> {
    if (this.probing || !this.open) return;
    this.probing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const ok = await Promise.race([
        this.options.probe().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), Math.max(this.options.timeoutMs, 250));
        }),
      ]);
      if (ok && this.open && !this.closedForGood) {
        clearInterval(this.timer);
        this.open = false;
        this.failed = 0;
        this.options.onChange(true);
      }
    } catch {
      // still down: the next probe tries again
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
  }

  stop(): void {
    this.closedForGood = true;
    clearInterval(this.timer);
  }
}
