import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './database.js';

/**
 * Copies the write-ahead log back into the database file from a worker thread. SQLite's
 * automatic checkpoint runs inside whichever commit crosses 1,000 WAL pages, on the thread
 * that commits: with better-sqlite3 that is the event loop, and a checkpoint (page copies
 * plus an fsync) stalled every request for 10-70 ms every few dozen admin writes or usage
 * batches. Here the commit only appends to the WAL and a second connection checkpoints
 * (PASSIVE: it never blocks readers or writers). If the worker cannot run, the connection
 * goes back to SQLite's automatic checkpoints, so the WAL never grows without bound.
 */
export class WalCheckpointer {
  private worker?: Worker;
  private stopped = false;

  constructor(
    private readonly db: SqliteDatabase,
    everyMs = 2000,
  ) {
    if (db.memory) return;
    const mode = db.pragma('journal_mode', { simple: true });
    if (mode !== 'wal') return;
    try {
      this.worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), file: db.name, everyMs },
      });
    } catch {
      return;
    }
    db.pragma('wal_autocheckpoint = 0');
    this.worker.unref();
    const fallBack = () => {
      if (!this.stopped && this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
    };
    this.worker.on('error', fallBack);
    this.worker.on('exit', fallBack);
  }

  /** Stops the worker (its last checkpoint finishes first); the connection checkpoints on close. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    // Held until it has exited: an unref'd worker alone would let the process end mid-wait.
    worker.ref();
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('stop');
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    await worker.terminate();
  }
}

/** CommonJS, evaluated in the worker: no file to resolve whether Rankway runs from src or dist. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('wal_autocheckpoint = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.close();
});
`;
