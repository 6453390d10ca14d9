import type { ConsoleStore } from './console.js';
import type { EvalStore } from './eval.js';
import type { LabStore } from './lab.js';
import type { BatchStore } from './batches.js';
import type { UsageRecord, UsageStore } from './usage.js';

/** The resources the admin API manages; each is stored as one row with a JSON body. */
export type ResourceKind = 'provider_key' | 'model' | 'api_key' | 'aws_access_key';

export interface StoredResource {
  readonly id: string;
  readonly kind: ResourceKind;
  /** Unique per kind: provider key and model display names, api key hashes. */
  readonly name: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type UsageGroupBy = 'key' | 'model' | 'provider' | 'day';

export interface UsageGroup {
  readonly group: string | null;
  readonly requests: number;
  readonly errors: number;
  readonly documents: number;
  readonly searchUnits: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  /** Requests in the group recorded for a model with no price (their cost is a missing price, not $0). */
  readonly unpriced: number;
}

export interface UsageQuery {
  readonly groupBy: UsageGroupBy;
  /** ISO timestamps; `from` inclusive, `to` exclusive (any precision: whole hours and days come from the rollups). */
  readonly from?: string;
  readonly to?: string;
}

/** One entry of the change feed: which resource changed, and the version that change made. */
export interface ResourceChange {
  readonly version: number;
  readonly kind: ResourceKind;
  readonly id: string;
}

/** A change with its resource as the database holds it now (`undefined`: deleted since). */
export interface FeedEntry extends ResourceChange {
  readonly row: StoredResource | undefined;
}

/** Raised when a create or rename would reuse a name taken by another resource of the kind. */
export class DuplicateNameError extends Error {
  constructor(
    readonly kind: ResourceKind,
    readonly resourceName: string,
  ) {
    super(`${kind} "${resourceName}" already exists`);
  }
}

/**
 * The one repository the control plane uses, implemented for SQLite and PostgreSQL.
 * Every write also appends to a change feed, so instances notice changes by comparing
 * `version()` with the version their snapshot was built from.
 */
export interface ControlStore extends UsageStore {
  readonly backend: 'sqlite' | 'postgres';
  /** Rerank Lab's evaluation sets and runs, in the same database. */
  readonly evals: EvalStore;
  /** Rerank Lab: shadow and split aggregates, calibrations. */
  readonly lab: LabStore;
  /** The console's reads over usage (time series, percentiles, request list and detail). */
  readonly console: ConsoleStore;
  /** The batch job store: OpenAI file and batch ids against S3 objects and upstream jobs. */
  readonly batches: BatchStore;
  listResources(kind: ResourceKind): Promise<StoredResource[]>;
  getResource(kind: ResourceKind, id: string): Promise<StoredResource | undefined>;
  createResource(resource: StoredResource): Promise<void>;
  /** Replaces name and data; false when no such resource. */
  updateResource(kind: ResourceKind, id: string, name: string, data: Record<string, unknown>, updatedAt: string): Promise<boolean>;
  deleteResource(kind: ResourceKind, id: string): Promise<boolean>;
  /** Monotonic: the id of the latest change. */
  version(): Promise<number>;
  /**
   * Changes after `version`, oldest first, at most `limit`, each with its resource as it is now.
   * Versions become visible in order (writers serialise on the feed), so a poller that
   * remembers the last one misses nothing.
   */
  changesSince(version: number, limit: number): Promise<FeedEntry[]>;
  getSetting(name: string): Promise<string | undefined>;
  /** Stores `value` unless the setting exists; returns the value that is stored now. */
  setSettingIfAbsent(name: string, value: string): Promise<string>;
  insertBatch(records: readonly UsageRecord[]): Promise<void>;
  usageSummary(query: UsageQuery): Promise<UsageGroup[]>;
  /**
   * Cost in USD of every key with spend since `since` (ISO), from the rollups: one statement
   * with no per-key parameters, whatever the number of keys.
   */
  spendSince(since: string): Promise<Map<string, number>>;
  /** Deletes up to `limit` raw records (and hourly totals) older than `before` (epoch ms); returns how many went. */
  pruneUsage(before: number, limit: number): Promise<number>;
  /** Moves up to `limit` rows of the pre-typed-timestamp table into the current one; `done` once it is gone. */
  migrateLegacyUsage(limit: number): Promise<{ moved: number; done: boolean }>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
