/**
 * Coalesces settle updates for a few milliseconds and sends them as one script call per
 * batch: a busy instance then pays one Redis command per batch instead of one per response,
 * and several responses of one key become a single counter update.
 */
export class SettleBatch {
  private deltas = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly options: {
      /** Sends one chunk; rejects when it did not reach Redis (its deltas are queued again). */
      readonly send: (keys: string[], deltas: number[]) => Promise<unknown>;
      /** False while Redis is away: updates wait (bounded) for it to come back. */
      readonly canSend: () => boolean;
      readonly flushMs: number;
      /** Counters kept while Redis is away; beyond this, updates are dropped. */
      readonly maxPending: number;
    },
  ) {}

  add(key: string, delta: number): void {
    if (delta === 0) return;
    const had = this.deltas.get(key);
    if (had === undefined && this.deltas.size >= this.options.maxPending) return;
    this.deltas.set(key, (had ?? 0) + delta);
    if (this.timer === undefined && this.options.canSend()) this.timer = setTimeout(() => this.flush(), this.options.flushMs);
  }

  get pending(): number {
    return this.deltas.size;
  }

  /** Sends everything queued (when Redis is reachable); `sent` resolves once Redis answered. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.deltas.size === 0 || !this.options.canSend()) return Promise.resolve();
    const batch = this.deltas;
    this.deltas = new Map();
    const sends: Promise<unknown>[] = [];
    let keys: string[] = [];
    let values: number[] = [];
    for (const [key, delta] of batch) {
      if (delta === 0) continue;
      keys.push(key);
      values.push(delta);
      if (keys.length === 500) {
        sends.push(this.sendChunk(keys, values));
        keys = [];
        values = [];
      }
    }
    if (keys.length > 0) sends.push(this.sendChunk(keys, values));
    return Promise.all(sends).then(() => undefined);
  }

  private sendChunk(keys: string[], values: number[]): Promise<void> {
    return this.options.send(keys, values).then(
      () => undefined,
      () => {
        for (let i = 0; i < keys.length; i++) this.add(keys[i], values[i]);
      },
    );
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
