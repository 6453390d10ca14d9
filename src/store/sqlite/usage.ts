import type { UsageRecord, UsageStore } from '../usage.js';
import type { SqliteDatabase } from './database.js';

export class SqliteUsageStore implements UsageStore {
  private readonly insert;
  private readonly insertMany;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO usage_records (id, request_id, ts, key_id, surface, alias, provider, upstream_model, status, latency_ms,
         documents, chunks, cache_hits, attempts, input_tokens, output_tokens, search_units, cost_usd)
       VALUES (@id, @requestId, @ts, @keyId, @surface, @alias, @provider, @upstreamModel, @status, @latencyMs,
         @documents, @chunks, @cacheHits, @attempts, @inputTokens, @outputTokens, @searchUnits, @costUsd)`,
    );
    this.insertMany = db.transaction((records: readonly UsageRecord[]) => {
      for (const r of records) this.insert.run(r);
    });
  }

  insertBatch(records: readonly UsageRecord[]): void {
    this.insertMany(records);
  }
}
