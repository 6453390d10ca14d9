/** Options of the guard around every command the shared limiter sends to Redis. */
export interface BreakerOptions {
  /** A command that has not answered after this long is treated as failed (tens of ms). */
  readonly timeoutMs: number;
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
    const pending = op();
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        // Checked after the next poll phase: when the event loop itself was stalled, a reply
        // already waiting on the socket is read first instead of being counted as a timeout.
        setImmediate(() => {
          timedOut = true;
          resolve(undefined);
        });
      }, this.options.timeoutMs);
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
    pending.then((value) => late?.(value), () => undefined);
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
