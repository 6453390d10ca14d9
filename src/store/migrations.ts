/**
 * Versioned schema migrations, one entry per version, in both dialects. Each runs once, in
 * order, inside a transaction; `schema_migrations` records what ran. Never edit a released
 * entry: append a new one.
 */
import { EVAL_TABLES_SQL } from './eval.js';

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
  // Rerank Lab: evaluation sets and runs (same SQL in both dialects).
  { sqlite: EVAL_TABLES_SQL, postgres: EVAL_TABLES_SQL },
];
