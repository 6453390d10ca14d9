import type { ControlStore } from './repository.js';
import { DuplicateNameError } from './repository.js';

/** The database did not answer in time or the connection failed: try again later (503). */
export class StoreUnavailableError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`database unavailable: ${reason}`, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Connection-level failures (as opposed to a statement the database refused). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
]);

export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (err instanceof DuplicateNameError) return false;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  // SQLSTATE class 08 is connection exceptions; 57P0x is the server shutting down or starting.
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('57P')) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    message,
  );
}

/**
 * Bulk reads get longer: reading 100,000 keys whole (at start, or after a long outage) or
 * summing a month of spend takes seconds on a busy database, and is not an outage.
 */
const BULK_DEADLINES: Partial<Record<keyof ControlStore, number>> = { listResources: 120_000, spendSince: 60_000 };

/** A store whose calls give up after `timeoutMs`, and whose connection failures are `StoreUnavailableError`. */
export interface GuardedStore extends ControlStore {
  /** Calls that timed out and whose query has not come back yet (a hung database). */
  readonly stuck: number;
}

/**
 * Bounds every call to the store. A hung PostgreSQL (paused, network partition) would hold an
 * admin request or a poll forever; after `timeoutMs` the caller gets `StoreUnavailableError`
 * and the query is left to finish or fail on its own. `close` is passed through unbounded.
 */
export function withDeadline(
  store: ControlStore,
  timeoutMs: number,
  slow: Partial<Record<keyof ControlStore, number>> = BULK_DEADLINES,
): GuardedStore {
  let stuck = 0;
  const guard = <T>(call: () => Promise<T>, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        stuck++;
        reject(new StoreUnavailableError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      call().then(
        (value) => {
          clearTimeout(timer);
          if (late) stuck--;
          else resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (late) stuck--;
          else reject(isConnectionFailure(err) ? new StoreUnavailableError('connection failed', { cause: err }) : err);
        },
      );
    });
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'stuck') return stuck;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'close' || prop === 'constructor') return value;
      const ms = slow[prop as keyof ControlStore] ?? timeoutMs;
      return (...args: unknown[]) => guard(async () => (value as (...a: unknown[]) => unknown).apply(target, args), ms);
    },
  }) as GuardedStore;
}
