/**
 * The job store of batches with files: OpenAI file and batch ids against the S3 objects and
 * upstream job ARNs they stand for. One implementation over both databases (standard SQL,
 * `?` placeholders the PostgreSQL driver numbers), like the evaluation store.
 */
import type { SqlDriver } from './eval.js';

export interface StoredFile {
  readonly id: string;
  /** The key that uploaded it (or created the batch it came from): only that key sees it. */
  readonly keyId: string;
  /** `batch` for uploads; `batch_output` for a batch's output and error files. */
  readonly purpose: string;
  readonly filename: string;
  readonly bytes: number;
  /** JSONL lines (requests for an upload, results for an output file). */
  readonly lines: number;
  /** Provider instance whose storage holds the object. */
  readonly provider: string;
  readonly bucket: string;
  readonly objectKey: string;
  /** Output files: the batch they belong to and which half (`output` or `error`). */
  readonly batchId: string | null;
  readonly role: 'input' | 'output' | 'error';
  readonly createdAt: number;
}

export interface StoredBatch {
  readonly id: string;
  readonly keyId: string;
  /** The Rankway model name the batch was created under (the allow-list is checked against it). */
  readonly model: string;
  readonly provider: string;
  readonly upstreamModel: string;
  readonly endpoint: string;
  readonly inputFileId: string;
  readonly jobArn: string;
  readonly jobName: string;
  readonly bucket: string;
  /** Prefix holding the job's input records and its output folder. */
  readonly jobPrefix: string;
  readonly completionWindow: string;
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly requestCount: number;
  readonly createdAt: number;
  readonly outputFileId: string | null;
  readonly errorFileId: string | null;
  readonly usageRecorded: boolean;
}

export interface BatchStore {
  createFile(file: StoredFile): Promise<void>;
  getFile(id: string): Promise<StoredFile | undefined>;
  /** Newest first, one key's files, optionally one purpose; `after` is a file id (pagination). */
  listFiles(keyId: string, options: { purpose?: string; limit: number; after?: string }): Promise<StoredFile[]>;
  deleteFile(id: string): Promise<boolean>;
  createBatch(batch: StoredBatch): Promise<void>;
  getBatch(id: string): Promise<StoredBatch | undefined>;
  listBatches(keyId: string, options: { limit: number; after?: string }): Promise<StoredBatch[]>;
  /** Sets the output and error file ids once; false when another instance got there first. */
  setResultFiles(id: string, outputFileId: string, errorFileId: string): Promise<boolean>;
  /** Marks the batch's usage recorded; true only for the one caller that flips it. */
  claimUsage(id: string): Promise<boolean>;
}

const FILE_COLUMNS = 'id, key_id, purpose, filename, bytes, lines, provider, bucket, object_key, batch_id, role, created_at';
const BATCH_COLUMNS =
  'id, key_id, model, provider, upstream_model, endpoint, input_file_id, job_arn, job_name, bucket, job_prefix, completion_window, metadata, request_count, created_at, output_file_id, error_file_id, usage_recorded';

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const toFile = (r: Record<string, unknown>): StoredFile => ({
  id: String(r.id),
  keyId: String(r.key_id),
  purpose: String(r.purpose),
  filename: String(r.filename),
  bytes: Number(r.bytes),
  lines: Number(r.lines),
  provider: String(r.provider),
  bucket: String(r.bucket),
  objectKey: String(r.object_key),
  batchId: str(r.batch_id),
  role: String(r.role) as StoredFile['role'],
  createdAt: Number(r.created_at),
});

const toBatch = (r: Record<string, unknown>): StoredBatch => ({
  id: String(r.id),
  keyId: String(r.key_id),
  model: String(r.model),
  provider: String(r.provider),
  upstreamModel: String(r.upstream_model),
  endpoint: String(r.endpoint),
  inputFileId: String(r.input_file_id),
  jobArn: String(r.job_arn),
  jobName: String(r.job_name),
  bucket: String(r.bucket),
  jobPrefix: String(r.job_prefix),
  completionWindow: String(r.completion_window),
  metadata: r.metadata === null || r.metadata === undefined ? null : (JSON.parse(String(r.metadata)) as Record<string, string>),
  requestCount: Number(r.request_count),
  createdAt: Number(r.created_at),
  outputFileId: str(r.output_file_id),
  errorFileId: str(r.error_file_id),
  usageRecorded: Number(r.usage_recorded) === 1,
});

export class SqlBatchStore implements BatchStore {
  constructor(private readonly db: SqlDriver) {}

  async createFile(f: StoredFile): Promise<void> {
    await this.db.run(`INSERT INTO batch_files (${FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      f.id,
      f.keyId,
      f.purpose,
      f.filename,
      f.bytes,
      f.lines,
      f.provider,
      f.bucket,
      f.objectKey,
      f.batchId,
      f.role,
      f.createdAt,
    ]);
  }

  async getFile(id: string): Promise<StoredFile | undefined> {
    const row = (await this.db.all(`SELECT ${FILE_COLUMNS} FROM batch_files WHERE id = ?`, [id]))[0];
    return row && toFile(row);
  }

  async listFiles(keyId: string, options: { purpose?: string; limit: number; after?: string }): Promise<StoredFile[]> {
    const where = ['key_id = ?'];
    const params: unknown[] = [keyId];
    if (options.purpose) {
      where.push('purpose = ?');
      params.push(options.purpose);
    }
    if (options.after) {
      where.push('id < ?');
      params.push(options.after);
    }
    params.push(options.limit);
    const rows = await this.db.all(`SELECT ${FILE_COLUMNS} FROM batch_files WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, params);
    return rows.map(toFile);
  }

  async deleteFile(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM batch_files WHERE id = ?', [id])) > 0;
  }

  async createBatch(b: StoredBatch): Promise<void> {
    await this.db.run(`INSERT INTO batches (${BATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      b.id,
      b.keyId,
      b.model,
      b.provider,
      b.upstreamModel,
      b.endpoint,
      b.inputFileId,
      b.jobArn,
      b.jobName,
      b.bucket,
      b.jobPrefix,
      b.completionWindow,
      b.metadata === null ? null : JSON.stringify(b.metadata),
      b.requestCount,
      b.createdAt,
      b.outputFileId,
      b.errorFileId,
      b.usageRecorded ? 1 : 0,
    ]);
  }

  async getBatch(id: string): Promise<StoredBatch | undefined> {
    const row = (await this.db.all(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`, [id]))[0];
    return row && toBatch(row);
  }

  async listBatches(keyId: string, options: { limit: number; after?: string }): Promise<StoredBatch[]> {
    const rows = options.after
      ? await this.db.all(`SELECT ${BATCH_COLUMNS} FROM batches WHERE key_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, [
          keyId,
          options.after,
          options.limit,
        ])
      : await this.db.all(`SELECT ${BATCH_COLUMNS} FROM batches WHERE key_id = ? ORDER BY id DESC LIMIT ?`, [keyId, options.limit]);
    return rows.map(toBatch);
  }

  async setResultFiles(id: string, outputFileId: string, errorFileId: string): Promise<boolean> {
    const changed = await this.db.run('UPDATE batches SET output_file_id = ?, error_file_id = ? WHERE id = ? AND output_file_id IS NULL', [
      outputFileId,
      errorFileId,
      id,
    ]);
    return changed > 0;
  }

  async claimUsage(id: string): Promise<boolean> {
    return (await this.db.run('UPDATE batches SET usage_recorded = 1 WHERE id = ? AND usage_recorded = 0', [id])) > 0;
  }
}

/** Tables of the batch job store (a migration of `migrations.ts`; the same SQL in both dialects). */
export const BATCH_TABLES_SQL = `CREATE TABLE batch_files (
       id TEXT PRIMARY KEY,
       key_id TEXT NOT NULL,
       purpose TEXT NOT NULL,
       filename TEXT NOT NULL,
       bytes BIGINT NOT NULL,
       lines INTEGER NOT NULL,
       provider TEXT NOT NULL,
       bucket TEXT NOT NULL,
       object_key TEXT NOT NULL,
       batch_id TEXT,
       role TEXT NOT NULL,
       created_at BIGINT NOT NULL
     );
     CREATE INDEX batch_files_key ON batch_files (key_id, id);
     CREATE TABLE batches (
       id TEXT PRIMARY KEY,
       key_id TEXT NOT NULL,
       model TEXT NOT NULL,
       provider TEXT NOT NULL,
       upstream_model TEXT NOT NULL,
       endpoint TEXT NOT NULL,
       input_file_id TEXT NOT NULL,
       job_arn TEXT NOT NULL,
       job_name TEXT NOT NULL UNIQUE,
       bucket TEXT NOT NULL,
       job_prefix TEXT NOT NULL,
       completion_window TEXT NOT NULL,
       metadata TEXT,
       request_count INTEGER NOT NULL,
       created_at BIGINT NOT NULL,
       output_file_id TEXT,
       error_file_id TEXT,
       usage_recorded INTEGER NOT NULL DEFAULT 0
     );
     CREATE INDEX batches_key ON batches (key_id, id);`;
