/**
 * Versioned schema migrations, one entry per version, in both dialects. Each runs once, in
 * order, inside a transaction; `schema_migrations` records what ran. Never edit a released
 * entry: append a new one.
 */
import { EVAL_TABLES_SQL } from './eval.js';
import { labTablesSql } from './lab.js';
import { BATCH_TABLES_SQL } from './batches.js';

export interface Migration {
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    sqlite: `CREATE TABLE usage_records (
       id TEXT PRIMARY KEY,
       request_id TEXT NOT NULL,
       ts TEXT NOT NULL,
       key_id TEXT NOT NULL,
       surface TEXT NOT NULL,
       alias TEXT,
       provider TEXT,
       upstream_model TEXT,
       status INTEGER NOT NULL,
       latency_ms REAL NOT NULL,
       documents INTEGER NOT NULL DEFAULT 0,
       chunks INTEGER NOT NULL DEFAULT 0,
       cache_hits INTEGER NOT NULL DEFAULT 0,
       attempts INTEGER NOT NULL DEFAULT 0,
       input_tokens INTEGER NOT NULL DEFAULT 0,
       output_tokens INTEGER NOT NULL DEFAULT 0,
       search_units REAL NOT NULL DEFAULT 0,
       cost_usd REAL NOT NULL DEFAULT 0
     );
     CREATE INDEX usage_records_ts ON usage_records (ts);`,
    postgres: `CREATE TABLE usage_records (
       id TEXT PRIMARY KEY,
       request_id TEXT NOT NULL,
       ts TEXT NOT NULL,
       key_id TEXT NOT NULL,
       surface TEXT NOT NULL,
       alias TEXT,
       provider TEXT,
       upstream_model TEXT,
       status INTEGER NOT NULL,
       latency_ms DOUBLE PRECISION NOT NULL,
       documents INTEGER NOT NULL DEFAULT 0,
       chunks INTEGER NOT NULL DEFAULT 0,
       cache_hits INTEGER NOT NULL DEFAULT 0,
       attempts INTEGER NOT NULL DEFAULT 0,
       input_tokens BIGINT NOT NULL DEFAULT 0,
       output_tokens BIGINT NOT NULL DEFAULT 0,
       search_units DOUBLE PRECISION NOT NULL DEFAULT 0,
       cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0
     );
     CREATE INDEX usage_records_ts ON usage_records (ts);`,
  },
  {
    // Control plane: resources with a JSON body, a change feed and settings (admin key hash).
    sqlite: `CREATE TABLE control_resources (
       kind TEXT NOT NULL,
       id TEXT NOT NULL,
       name TEXT NOT NULL,
       data TEXT NOT NULL,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL,
       PRIMARY KEY (kind, id),
       UNIQUE (kind, name)
     );
     CREATE TABLE control_changes (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       kind TEXT NOT NULL,
       resource_id TEXT NOT NULL,
       at TEXT NOT NULL
     );
     CREATE TABLE control_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE INDEX usage_records_key_ts ON usage_records (key_id, ts);`,
    postgres: `CREATE TABLE control_resources (
       kind TEXT NOT NULL,
       id TEXT NOT NULL,
       name TEXT NOT NULL,
       data JSONB NOT NULL,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL,
       PRIMARY KEY (kind, id),
       UNIQUE (kind, name)
     );
     CREATE TABLE control_changes (
       id BIGSERIAL PRIMARY KEY,
       kind TEXT NOT NULL,
       resource_id TEXT NOT NULL,
       at TEXT NOT NULL
     );
     CREATE TABLE control_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE INDEX usage_records_key_ts ON usage_records (key_id, ts);`,
  },
  {
    // Typed timestamps and rollups. The text-timestamp table is renamed (instant at any size)
    // and a background step (UsageMaintenance) moves its rows into the new table in small
    // batches, so start-up never waits on a large table. PostgreSQL partitions by month.
    sqlite: `ALTER TABLE usage_records RENAME TO usage_records_legacy;
     CREATE TABLE usage_records (
       id TEXT PRIMARY KEY,
       request_id TEXT NOT NULL,
       ts INTEGER NOT NULL,
       key_id TEXT NOT NULL,
       surface TEXT NOT NULL,
       alias TEXT,
       provider TEXT,
       upstream_model TEXT,
       status INTEGER NOT NULL,
       latency_ms REAL NOT NULL,
       documents INTEGER NOT NULL DEFAULT 0,
       chunks INTEGER NOT NULL DEFAULT 0,
       cache_hits INTEGER NOT NULL DEFAULT 0,
       attempts INTEGER NOT NULL DEFAULT 0,
       input_tokens INTEGER NOT NULL DEFAULT 0,
       output_tokens INTEGER NOT NULL DEFAULT 0,
       search_units REAL NOT NULL DEFAULT 0,
       cost_usd REAL NOT NULL DEFAULT 0
     );
     CREATE INDEX usage_records_ts_ms ON usage_records (ts);
     CREATE TABLE usage_hourly (
       bucket INTEGER NOT NULL,
       key_id TEXT NOT NULL,
       alias TEXT NOT NULL,
       provider TEXT NOT NULL,
       status_class INTEGER NOT NULL,
       requests INTEGER NOT NULL,
       documents INTEGER NOT NULL,
       input_tokens INTEGER NOT NULL,
       output_tokens INTEGER NOT NULL,
       search_units REAL NOT NULL,
       cost_usd REAL NOT NULL,
       latency_ms_sum REAL NOT NULL,
       PRIMARY KEY (bucket, key_id, alias, provider, status_class)
     );
     CREATE TABLE usage_daily (
       bucket INTEGER NOT NULL,
       key_id TEXT NOT NULL,
       alias TEXT NOT NULL,
       provider TEXT NOT NULL,
       status_class INTEGER NOT NULL,
       requests INTEGER NOT NULL,
       documents INTEGER NOT NULL,
       input_tokens INTEGER NOT NULL,
       output_tokens INTEGER NOT NULL,
       search_units REAL NOT NULL,
       cost_usd REAL NOT NULL,
       latency_ms_sum REAL NOT NULL,
       PRIMARY KEY (bucket, key_id, alias, provider, status_class)
     );`,
    postgres: `ALTER TABLE usage_records RENAME TO usage_records_legacy;
     ALTER TABLE usage_records_legacy RENAME CONSTRAINT usage_records_pkey TO usage_records_legacy_pkey;
     ALTER INDEX usage_records_ts RENAME TO usage_records_legacy_ts;
     ALTER INDEX usage_records_key_ts RENAME TO usage_records_legacy_key_ts;
     CREATE TABLE usage_records (
       id TEXT NOT NULL,
       request_id TEXT NOT NULL,
       ts TIMESTAMPTZ NOT NULL,
       key_id TEXT NOT NULL,
       surface TEXT NOT NULL,
       alias TEXT,
       provider TEXT,
       upstream_model TEXT,
       status INTEGER NOT NULL,
       latency_ms DOUBLE PRECISION NOT NULL,
       documents INTEGER NOT NULL DEFAULT 0,
       chunks INTEGER NOT NULL DEFAULT 0,
       cache_hits INTEGER NOT NULL DEFAULT 0,
       attempts INTEGER NOT NULL DEFAULT 0,
       input_tokens BIGINT NOT NULL DEFAULT 0,
       output_tokens BIGINT NOT NULL DEFAULT 0,
       search_units DOUBLE PRECISION NOT NULL DEFAULT 0,
       cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
       PRIMARY KEY (id, ts)
     ) PARTITION BY RANGE (ts);
     CREATE INDEX usage_records_ts ON usage_records (ts);
     CREATE TABLE usage_hourly (
       bucket TIMESTAMPTZ NOT NULL,
       key_id TEXT NOT NULL,
       alias TEXT NOT NULL,
       provider TEXT NOT NULL,
       status_class SMALLINT NOT NULL,
       requests BIGINT NOT NULL,
       documents BIGINT NOT NULL,
       input_tokens BIGINT NOT NULL,
       output_tokens BIGINT NOT NULL,
       search_units DOUBLE PRECISION NOT NULL,
       cost_usd DOUBLE PRECISION NOT NULL,
       latency_ms_sum DOUBLE PRECISION NOT NULL,
       PRIMARY KEY (bucket, key_id, alias, provider, status_class)
     );
     CREATE TABLE usage_daily (
       bucket TIMESTAMPTZ NOT NULL,
       key_id TEXT NOT NULL,
       alias TEXT NOT NULL,
       provider TEXT NOT NULL,
       status_class SMALLINT NOT NULL,
       requests BIGINT NOT NULL,
       documents BIGINT NOT NULL,
       input_tokens BIGINT NOT NULL,
       output_tokens BIGINT NOT NULL,
       search_units DOUBLE PRECISION NOT NULL,
       cost_usd DOUBLE PRECISION NOT NULL,
       latency_ms_sum DOUBLE PRECISION NOT NULL,
       PRIMARY KEY (bucket, key_id, alias, provider, status_class)
     );`,
  },
  // Rerank Lab: evaluation sets and runs (same SQL in both dialects).
  { sqlite: EVAL_TABLES_SQL, postgres: EVAL_TABLES_SQL },
  // Rerank Lab: shadow and split daily aggregates, score calibrations.
  { sqlite: labTablesSql('REAL'), postgres: labTablesSql('DOUBLE PRECISION') },
  // The console's per-request detail (JSON text, read one row at a time). Adding a nullable
  // column is instant at any size; the console's indexes are built after start (console.ts).
  { sqlite: 'ALTER TABLE usage_records ADD COLUMN detail TEXT', postgres: 'ALTER TABLE usage_records ADD COLUMN detail TEXT' },
  // Batches with files: OpenAI file and batch ids against S3 objects and Bedrock job ARNs.
  { sqlite: BATCH_TABLES_SQL, postgres: BATCH_TABLES_SQL },
  // Usage of a model with no price is flagged, so its $0 reads as unknown, not free.
  {
    sqlite: `ALTER TABLE usage_records ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE usage_hourly ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE usage_daily ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;`,
    postgres: `ALTER TABLE usage_records ADD COLUMN unpriced SMALLINT NOT NULL DEFAULT 0;
     ALTER TABLE usage_hourly ADD COLUMN unpriced BIGINT NOT NULL DEFAULT 0;
     ALTER TABLE usage_daily ADD COLUMN unpriced BIGINT NOT NULL DEFAULT 0;`,
  },
];
