import type { PairCache } from './pair-cache.js';

interface Entry {
  score: number;
  expiresAt: number;
}

/** Rough bytes per entry beyond its key: the Map slot, the entry object and its numbers. */
const ENTRY_OVERHEAD_BYTES = 96;

/**
 * In-process LRU with a TTL and an approximate memory bound. A Map keeps insertion order,
 * so re-inserting on a hit makes the first key the least recently used one.
 * Entries hold plain numbers: no serialisation on the hot path.
 */
export class MemoryPairCache implements PairCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly options: { readonly ttlMs: number; readonly maxBytes: number; readonly now?: () => number },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  getMany(keys: readonly string[]): Promise<Array<number | undefined>> {
    return Promise.resolve(this.getManySync(keys));
  }

  getManySync(keys: readonly string[]): Array<number | undefined> {
    const now = this.now();
    const out: Array<number | undefined> = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const entry = this.entries.get(key);
      if (entry === undefined) {
        out.push(undefined);
      } else if (entry.expiresAt <= now) {
        this.delete(key);
        out.push(undefined);
      } else {
        this.entries.delete(key);
        this.entries.set(key, entry);
        out.push(entry.score);
      }
    }
    return out;
  }

  setMany(keys: readonly string[], scores: readonly number[]): void {
    const expiresAt = this.now() + this.options.ttlMs;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const old = this.entries.get(key);
      if (old !== undefined) {
        this.entries.delete(key);
        old.score = scores[i];
        old.expiresAt = expiresAt;
        this.entries.set(key, old);
        continue;
      }
      this.entries.set(key, { score: scores[i], expiresAt });
      this.bytes += cost(key);
    }
    this.evict();
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }

  private evict(): void {
    if (this.bytes <= this.options.maxBytes) return;
    for (const key of this.entries.keys()) {
      this.delete(key);
      if (this.bytes <= this.options.maxBytes) return;
    }
  }

  private delete(key: string): void {
    if (this.entries.delete(key)) this.bytes -= cost(key);
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }
}

const cost = (key: string): number => key.length * 2 + ENTRY_OVERHEAD_BYTES;
