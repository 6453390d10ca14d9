/**
 * Evaluation sets and runs (Rerank Lab), one implementation over both databases: the SQL is
 * standard, with `?` placeholders the PostgreSQL driver numbers. Bodies (a set's documents
 * and queries, a run's report) are JSON text: they are read whole, never queried inside.
 */

/** A stored set; `data` (documents and queries) is only loaded by `getSet`. */
export interface StoredEvalSet {
  readonly id: string;
  readonly name: string;
  readonly format: string;
  readonly queries: number;
  readonly documents: number;
  readonly createdAt: string;
}

export interface StoredEvalRun {
  readonly id: string;
  readonly setId: string;
  /** `running`, `completed`, `failed` or `interrupted` (its gateway stopped mid-run). */
  readonly status: string;
  readonly done: number;
  readonly total: number;
  /** The run's parameters as the caller sent them (no secrets). */
  readonly request: Readonly<Record<string, unknown>>;
  /** The finished report (`EvalReport`), null while running. */
  readonly report: Readonly<Record<string, unknown>> | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface EvalStore {
  createSet(set: StoredEvalSet, data: unknown): Promise<void>;
  listSets(): Promise<StoredEvalSet[]>;
  /** By id or by name. */
  getSet(idOrName: string): Promise<{ set: StoredEvalSet; data: unknown } | undefined>;
  /** Deletes the set and its runs; false when no such set. */
  deleteSet(id: string): Promise<boolean>;
  createRun(run: StoredEvalRun): Promise<void>;
  updateRun(
    id: string,
    change: { status: string; done: number; report?: unknown; error?: string | null; updatedAt: string },
  ): Promise<void>;
  getRun(id: string): Promise<StoredEvalRun | undefined>;
  listRuns(): Promise<StoredEvalRun[]>;
  /**
   * Marks `interrupted` every run still `running` whose last update is older than `before`
   * (ISO time): its process stopped mid-run. Returns how many.
   */
  interruptRuns(before: string, now: string): Promise<number>;
  /** Heartbeat of a run in progress: progress and updated_at, only while it is still `running`. */
  touchRun(id: string, done: number, now: string): Promise<void>;
}

/** The two things the store needs of a database connection. */
export interface SqlDriver {
  all(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params: readonly unknown[]): Promise<number>;
}

/** Raised when a set name is taken. */
export class DuplicateEvalSetError extends Error {
  constructor(readonly setName: string) {
    super(`evaluation set "${setName}" already exists`);
  }
}

const SET_COLUMNS = 'id, name, format, queries, documents, created_at';
const RUN_COLUMNS = 'id, set_id, status, done, total, request, report, error, created_at, updated_at';

const toSet = (r: Record<string, unknown>): StoredEvalSet => ({
  id: String(r.id),
  name: String(r.name),
  format: String(r.format),
  queries: Number(r.queries),
  documents: Number(r.documents),
  createdAt: String(r.created_at),
});

const toRun = (r: Record<string, unknown>): StoredEvalRun => ({
  id: String(r.id),
  setId: String(r.set_id),
  status: String(r.status),
  done: Number(r.done),
  total: Number(r.total),
  request: JSON.parse(String(r.request)) as Record<string, unknown>,
  report: r.report === null || r.report === undefined ? null : (JSON.parse(String(r.report)) as Record<string, unknown>),
  error: r.error === null || r.error === undefined ? null : String(r.error),
  createdAt: String(r.created_at),
  updatedAt: String(r.updated_at),
});

export class SqlEvalStore implements EvalStore {
  constructor(
    private readonly db: SqlDriver,
    private readonly isUniqueViolation: (err: unknown) => boolean,
  ) {}

  async createSet(set: StoredEvalSet, data: unknown): Promise<void> {
    try {
      await this.db.run(`INSERT INTO eval_sets (${SET_COLUMNS}, data) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
        set.id,
        set.name,
        set.format,
        set.queries,
        set.documents,
        set.createdAt,
        JSON.stringify(data),
      ]);
    } catch (err) {
      if (this.isUniqueViolation(err)) throw new DuplicateEvalSetError(set.name);
      throw err;
    }
  }

  async listSets(): Promise<StoredEvalSet[]> {
    return (await this.db.all(`SELECT ${SET_COLUMNS} FROM eval_sets ORDER BY created_at, id`, [])).map(toSet);
  }

  async getSet(idOrName: string): Promise<{ set: StoredEvalSet; data: unknown } | undefined> {
    const rows = await this.db.all(
      `SELECT ${SET_COLUMNS}, data FROM eval_sets WHERE id = ? OR name = ? ORDER BY (CASE WHEN id = ? THEN 0 ELSE 1 END)`,
      [idOrName, idOrName, idOrName],
    );
    const row = rows[0];
    return row && { set: toSet(row), data: JSON.parse(String(row.data)) };
  }

  async deleteSet(id: string): Promise<boolean> {
    await this.db.run('DELETE FROM eval_runs WHERE set_id = ?', [id]);
    return (await this.db.run('DELETE FROM eval_sets WHERE id = ?', [id])) > 0;
  }

  async createRun(run: StoredEvalRun): Promise<void> {
    await this.db.run(`INSERT INTO eval_runs (${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      run.id,
      run.setId,
      run.status,
      run.done,
      run.total,
      JSON.stringify(run.request),
      run.report === null ? null : JSON.stringify(run.report),
      run.error,
      run.createdAt,
      run.updatedAt,
    ]);
  }

  async updateRun(
    id: string,
    change: { status: string; done: number; report?: unknown; error?: string | null; updatedAt: string },
  ): Promise<void> {
    await this.db.run('UPDATE eval_runs SET status = ?, done = ?, report = COALESCE(?, report), error = ?, updated_at = ? WHERE id = ?', [
      change.status,
      change.done,
      change.report === undefined ? null : JSON.stringify(change.report),
      change.error ?? null,
      change.updatedAt,
      id,
    ]);
  }

  async getRun(id: string): Promise<StoredEvalRun | undefined> {
    const row = (await this.db.all(`SELECT ${RUN_COLUMNS} FROM eval_runs WHERE id = ?`, [id]))[0];
    return row && toRun(row);
  }

  async interruptRuns(before: string, now: string): Promise<number> {
    return this.db.run(
      "UPDATE eval_runs SET status = 'interrupted', error = ?, updated_at = ? WHERE status = 'running' AND updated_at < ?",
      ['the gateway running this evaluation stopped before it finished; start a new run', now, before],
    );
  }

  async touchRun(id: string, done: number, now: string): Promise<void> {
    await this.db.run("UPDATE eval_runs SET done = ?, updated_at = ? WHERE id = ? AND status = 'running'", [done, now, id]);
  }

  async listRuns(): Promise<StoredEvalRun[]> {
    // Reports can be large: the list carries everything but them.
    const rows = await this.db.all(
      `SELECT id, set_id, status, done, total, request, NULL AS report, error, created_at, updated_at FROM eval_runs ORDER BY created_at, id`,
      [],
    );
    return rows.map(toRun);
  }
}

/** Tables of the evaluation store (a migration of `migrations.ts`). */
export const EVAL_TABLES_SQL = `CREATE TABLE eval_sets (
       id TEXT PRIMARY KEY,
       name TEXT NOT NULL UNIQUE,
       format TEXT NOT NULL,
       queries INTEGER NOT NULL,
       documents INTEGER NOT NULL,
       data TEXT NOT NULL,
       created_at TEXT NOT NULL
     );
     CREATE TABLE eval_runs (
       id TEXT PRIMARY KEY,
       set_id TEXT NOT NULL,
       status TEXT NOT NULL,
       done INTEGER NOT NULL,
       total INTEGER NOT NULL,
       request TEXT NOT NULL,
       report TEXT,
       error TEXT,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     );
     CREATE INDEX eval_runs_set ON eval_runs (set_id);`;
