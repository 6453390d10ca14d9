import { Gauge, type Registry } from 'prom-client';

/** The usage journal's state as the metrics read it at scrape time. */
export interface UsageBacklogView {
  readonly records: number;
  readonly bytes: number;
  readonly maxBytes: number;
  readonly skippedUnauthenticated: number;
}

/** Gauges of usage records waiting in the local journal for the database, and its cap. */
export function registerUsageMetrics(registry: Registry, backlog: () => UsageBacklogView): void {
  const registers = [registry];
  new Gauge({
    name: 'rankway_usage_journal_records',
    help: 'Usage records journaled locally and not yet in the database',
    registers,
    collect() {
      this.set(backlog().records);
    },
  });
  new Gauge({
    name: 'rankway_usage_journal_bytes',
    help: 'Bytes of usage records journaled locally and not yet in the database',
    registers,
    collect() {
      this.set(backlog().bytes);
    },
  });
  new Gauge({
    name: 'rankway_usage_journal_max_bytes',
    help: 'The journal cap (storage.usage_journal.max_bytes): readiness fails at 90%, requests get 503 at 100%',
    registers,
    collect() {
      this.set(backlog().maxBytes);
    },
  });
  new Gauge({
    name: 'rankway_usage_unauthenticated_skipped',
    help: 'Records of 401 answers not journaled because the journal was over half its cap',
    registers,
    collect() {
      this.set(backlog().skippedUnauthenticated);
    },
  });
}
