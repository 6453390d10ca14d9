import type { PairCache } from './pair-cache.js';

/** Rough bytes per entry beyond its key: the Map slot and the entry's share of the arrays. */
const ENTRY_OVERHEAD_BYTES = 96;
const NONE = -1;

/**
 * In-process LRU with a TTL and an approximate memory bound.
 *
 * Recency is a doubly linked list over array slots, so a hit only relinks two neighbours.
 * (The simpler "delete and re-insert into a Map" LRU degrades badly once the map is large:
 * every hit and every eviction leaves a hole at the front of the Map's insertion order,
 * and each eviction pass walks those holes again; at a few hundred thousand entries that
 * cost ~150 µs per 20-document request here.) The Map only finds a key's slot.
 * Entries hold plain numbers: no serialisation on the hot path.
 */
export class MemoryPairCache implements PairCache {
  private readonly slots = new Map<string, number>();
  private keys: string[] = [];
  private scores = new Float64Array(1024);
  private expires = new Float64Array(1024);
  private prev = new Int32Array(1024);
  private next = new Int32Array(1024);
  /** Least recently used slot (evicted first) and most recently used slot. */
  private head = NONE;
  private tail = NONE;
  /** Slots freed by deletes, reused before the arrays grow. */
  private free: number[] = [];
  private used = 0;
  private bytes = 0;

  constructor(private readonly options: { readonly ttlMs: number; readonly maxBytes: number; readonly now?: () => number }) {}

  get size(): number {
    return this.slots.size;
  }

  getMany(keys: readonly string[]): Promise<Array<number | undefined>> {
    return Promise.resolve(this.getManySync(keys));
  }

  getManySync(keys: readonly string[]): Array<number | undefined> {
    const now = this.now();
    const out = new Array<number | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const slot = this.slots.get(keys[i]);
      if (slot === undefined) {
        out[i] = undefined;
      } else if (this.expires[slot] <= now) {
        this.remove(slot);
        out[i] = undefined;
      } else {
        this.touch(slot);
        out[i] = this.scores[slot];
      }
    }
    return out;
  }

  setMany(keys: readonly string[], scores: readonly number[]): void {
    const expiresAt = this.now() + this.options.ttlMs;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      let slot = this.slots.get(key);
      if (slot === undefined) {
        slot = this.allocate();
        this.keys[slot] = key;
        this.slots.set(key, slot);
        this.append(slot);
        this.bytes += cost(key);
      } else {
        this.touch(slot);
      }
      this.scores[slot] = scores[i];
      this.expires[slot] = expiresAt;
    }
    while (this.bytes > this.options.maxBytes && this.head !== NONE) this.remove(this.head);
  }

  async close(): Promise<void> {
    this.slots.clear();
    this.keys = [];
    this.free = [];
    this.used = 0;
    this.head = this.tail = NONE;
    this.bytes = 0;
  }

  /** Makes `slot` the most recently used. */
  private touch(slot: number): void {
    if (slot === this.tail) return;
    this.unlink(slot);
    this.append(slot);
  }

  private append(slot: number): void {
    this.prev[slot] = this.tail;
    this.next[slot] = NONE;
    if (this.tail === NONE) this.head = slot;
    else this.next[this.tail] = slot;
    this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }

  private remove(slot: number): void {
    const key = this.keys[slot];
    this.unlink(slot);
    this.slots.delete(key);
    this.bytes -= cost(key);
    this.keys[slot] = '';
    this.free.push(slot);
  }

  private allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.scores.length) this.grow();
    return this.used++;
  }

  private grow(): void {
    const capacity = this.scores.length * 2;
    const widen = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const bigger = make(capacity);
      bigger.set(old);
      return bigger;
    };
    this.scores = widen(this.scores, (n) => new Float64Array(n));
    this.expires = widen(this.expires, (n) => new Float64Array(n));
    this.prev = widen(this.prev, (n) => new Int32Array(n));
    this.next = widen(this.next, (n) => new Int32Array(n));
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }
}

const cost = (key: string): number => key.length * 2 + ENTRY_OVERHEAD_BYTES;
