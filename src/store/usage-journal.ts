import {
  close,
  closeSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { UsageRecord } from './usage.js';

export interface UsageJournalOptions {
  /** The journal's own directory (created if missing), e.g. `<data_dir>/usage-journal`. */
  readonly dir: string;
  /** Bytes of unstored records the journal may hold; `full()` is true from there on. */
  readonly maxBytes: number;
  /** Appended records are fsynced this often (power loss); a process crash loses nothing. */
  readonly fsyncIntervalMs: number;
}

/** What is waiting in the journal for the database. */
export interface JournalBacklog {
  readonly records: number;
  readonly bytes: number;
  readonly maxBytes: number;
  readonly segments: number;
}

/** One file of appended records, one JSON array per line (see `encode`). */
export interface Segment {
  readonly seq: number;
  readonly path: string;
  bytes: number;
  count: number;
  /** The records, while they are also kept in memory; absent means read them from the file. */
  records?: UsageRecord[];
}

interface ActiveSegment extends Segment {
  readonly fd: number;
}

/** `<pid>-<instance>.<seq>.jsonl`: the writer's process id, its instance, the segment's number. */
const NAME = /^(\d+)-(\d+-[a-z0-9]+)\.(\d{12})\.jsonl$/;
/** Journals open in this process. */
const ACTIVE = new Set<string>();
let instances = 0;

/**
 * Segments are replayed by whoever finds them once their writer is gone: a dead process, or
 * this process's pid from an earlier run (a restarted container is often pid 1 again). Two
 * replays of one segment are harmless (ids are primary keys).
 */
function orphaned(pid: number, instance: string): boolean {
  if (ACTIVE.has(`${pid}-${instance}`)) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
const NEWLINE = 0x0a;

/**
 * The durable side of usage: each record is one `write()` to the active segment before its
 * response is finished. A written line sits in the kernel's page cache, so it survives the
 * process being killed; an fsync every `fsyncIntervalMs` covers power loss. The recorder
 * seals the active segment when it writes a batch and deletes a sealed segment only once the
 * database has every record in it, so a crash at any point leaves records that are stored
 * (skipped on replay: ids are primary keys) or still in a segment (written at the next start).
 */
export class UsageJournal {
  private active: ActiveSegment;
  private readonly sealed: Segment[] = [];
  private sealedBytes = 0;
  private sealedRecords = 0;
  private nextSeq = 1;
  /** Names this journal's files, so two processes (or two gateways in a test) never share one. */
  private readonly instance: string;
  private dirty = false;
  /** fsyncs in flight per fd: a sealed segment's fd is closed once none is left. */
  private readonly syncing = new Map<number, number>();
  private readonly closing = new Set<number>();
  private readonly timer: NodeJS.Timeout;
  /** When false, new segments keep no in-memory copy (the store is failing: records wait on disk only). */
  private keepInMemory = true;
  private closed = false;
  /** Lines that could not be parsed (a torn last line after power loss), skipped on replay. */
  corruptLines = 0;

  constructor(readonly options: UsageJournalOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.instance = `${process.pid}-${Date.now()}-${(instances++).toString(36)}`;
    ACTIVE.add(this.instance);
    for (const name of readdirSync(options.dir).sort()) {
      const m = NAME.exec(name);
      if (!m || !orphaned(Number(m[1]), m[2])) continue;
      const path = join(options.dir, name);
      const bytes = statSync(path).size;
      if (bytes === 0) {
        removeFile(path);
        continue;
      }
      const count = countLines(path);
      this.sealed.push({ seq: Number(m[3]), path, bytes, count });
      this.sealedBytes += bytes;
      this.sealedRecords += count;
    }
    this.active = this.open();
    this.timer = setInterval(() => this.sync(), options.fsyncIntervalMs);
    this.timer.unref();
  }

  /** Appends one record: one synchronous `write()` of one line (a few microseconds). */
  append(record: UsageRecord): void {
    const line = Buffer.from(encode(record));
    const a = this.active;
    // A short write (rare on files) is finished, so a torn line never swallows the next one.
    let done = writeSync(a.fd, line);
    while (done < line.length) done += writeSync(a.fd, line, done);
    a.bytes += line.length;
    a.count++;
    a.records?.push(record);
    this.dirty = true;
  }

  /** Records appended to the active segment since it was opened. */
  get pending(): number {
    return this.active.count;
  }

  get activeBytes(): number {
    return this.active.bytes;
  }

  /** Closes the active segment for writing (its records go to the store next) and opens a new one. */
  seal(): void {
    const a = this.active;
    if (a.count === 0) return;
    this.active = this.open();
    this.sealed.push({ seq: a.seq, path: a.path, bytes: a.bytes, count: a.count, records: a.records });
    this.sealedBytes += a.bytes;
    this.sealedRecords += a.count;
    this.closeFd(a.fd);
  }

  /** The oldest sealed segment, whose records are written to the store first. */
  oldest(): Segment | undefined {
    return this.sealed[0];
  }

  /** A segment's records: from memory when kept, else parsed from its file (bad lines skipped). */
  read(segment: Segment): UsageRecord[] {
    if (segment.records) return segment.records;
    const out: UsageRecord[] = [];
    for (const line of readFileSync(segment.path, 'utf8').split('\n')) {
      if (line.length === 0) continue;
      try {
        out.push(decode(line));
      } catch {
        this.corruptLines++;
      }
    }
    return out;
  }

  /** Checkpoint: every record of `segment` is in the store, so its file goes. */
  stored(segment: Segment): void {
    const i = this.sealed.indexOf(segment);
    if (i < 0) return;
    this.sealed.splice(i, 1);
    this.sealedBytes -= segment.bytes;
    this.sealedRecords -= segment.count;
    removeFile(segment.path);
  }

  /**
   * While the store fails, records wait on disk only: memory copies are dropped (they are read
   * back from the files), so memory stays flat however long the outage lasts.
   */
  setKeepInMemory(keep: boolean): void {
    if (keep === this.keepInMemory) return;
    this.keepInMemory = keep;
    if (!keep) {
      for (const s of this.sealed) s.records = undefined;
      this.active.records = undefined;
    }
  }

  backlog(): JournalBacklog {
    return {
      records: this.sealedRecords + this.active.count,
      bytes: this.sealedBytes + this.active.bytes,
      maxBytes: this.options.maxBytes,
      segments: this.sealed.length + (this.active.count > 0 ? 1 : 0),
    };
  }

  /** The backlog has reached the cap: new records cannot be taken without exceeding it. */
  full(): boolean {
    return this.sealedBytes + this.active.bytes >= this.options.maxBytes;
  }

  /** The backlog is over `fraction` of the cap (readiness fails near it, at 0.9). */
  over(fraction: number): boolean {
    return this.sealedBytes + this.active.bytes >= this.options.maxBytes * fraction;
  }

  /** Stops the fsync timer and syncs the active segment once more, synchronously. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    ACTIVE.delete(this.instance);
    const a = this.active;
    try {
      if (this.dirty) fsyncFd(a.fd);
    } finally {
      closeSync(a.fd);
      if (a.count === 0) removeFile(a.path);
    }
  }

  private open(): ActiveSegment {
    const seq = this.nextSeq++;
    const path = this.pathOf(seq);
    const fd = openSync(path, 'a');
    return { seq, path, fd, bytes: 0, count: 0, records: this.keepInMemory ? [] : undefined };
  }

  private pathOf(seq: number): string {
    return join(this.options.dir, `${this.instance}.${String(seq).padStart(12, '0')}.jsonl`);
  }

  /** The group fsync: one per interval for whatever was appended, on libuv's thread pool. */
  private sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const fd = this.active.fd;
    this.syncing.set(fd, (this.syncing.get(fd) ?? 0) + 1);
    fsync(fd, () => {
      const left = (this.syncing.get(fd) ?? 1) - 1;
      if (left > 0) this.syncing.set(fd, left);
      else {
        this.syncing.delete(fd);
        if (this.closing.delete(fd)) this.closeFd(fd);
      }
    });
  }

  /** Syncs and closes a sealed segment's fd, after any fsync still running on it. */
  private closeFd(fd: number): void {
    if (this.syncing.has(fd)) {
      this.closing.add(fd);
      return;
    }
    this.syncing.set(fd, 1);
    fsync(fd, () => {
      this.syncing.delete(fd);
      close(fd, () => undefined);
    });
  }
}

/** The record's fields in line order: a line is `[1, ...values]` (format 1), half the bytes of keyed JSON. */
const FIELDS = [
  'id',
  'requestId',
  'ts',
  'keyId',
  'surface',
  'alias',
  'provider',
  'upstreamModel',
  'status',
  'latencyMs',
  'documents',
  'chunks',
  'cacheHits',
  'attempts',
  'inputTokens',
  'outputTokens',
  'searchUnits',
  'costUsd',
  'unpriced',
] as const satisfies readonly (keyof UsageRecord)[];

function encode(r: UsageRecord): string {
  return `${JSON.stringify([
    1,
    r.id,
    r.requestId,
    r.ts,
    r.keyId,
    r.surface,
    r.alias,
    r.provider,
    r.upstreamModel,
    r.status,
    r.latencyMs,
    r.documents,
    r.chunks,
    r.cacheHits,
    r.attempts,
    r.inputTokens,
    r.outputTokens,
    r.searchUnits,
    r.costUsd,
    r.unpriced === true,
    // Format 1 lines may end with the detail (older lines have none).
    ...(r.detail ? [r.detail] : []),
  ])}\n`;
}

/** Throws on a line that is not a whole format-1 record (a torn write). */
function decode(line: string): UsageRecord {
  const values = JSON.parse(line) as unknown[];
  // Older format-1 lines lack the unpriced flag (FIELDS.length values); newer ones may add the detail.
  if (!Array.isArray(values) || values[0] !== 1 || values.length < FIELDS.length || values.length > FIELDS.length + 2)
    throw new Error('not a journal record');
  const out: Record<string, unknown> = {};
  for (let i = 0; i < FIELDS.length; i++) out[FIELDS[i]] = values[i + 1];
  if (values.length === FIELDS.length + 2) out.detail = values[FIELDS.length + 1];
  return out as unknown as UsageRecord;
}

/** Deletes a file; one already gone (the directory was removed) is fine. */
function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function fsyncFd(fd: number): void {
  try {
    fsyncSync(fd);
  } catch {
    // A file system without fsync still holds the data in the page cache.
  }
}

/** Newlines in a file, read in 1 MB pieces (start-up only, to report the backlog exactly). */
function countLines(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let count = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let at = buf.indexOf(NEWLINE, 0);
      while (at >= 0 && at < n) {
        count++;
        at = buf.indexOf(NEWLINE, at + 1);
      }
    }
  } finally {
    closeSync(fd);
  }
  return count;
}
