import type { FeedEntry, ResourceKind, StoredResource } from './repository.js';

/**
 * The control store's SQL, written once for both backends with `?` placeholders
 * (PostgreSQL statements go through `numbered`). Everything here is standard SQL both
 * SQLite (3.24+) and PostgreSQL accept.
 */
export const SQL = {
  listResources: 'SELECT * FROM control_resources WHERE kind = ? ORDER BY created_at, id',
  getResource: 'SELECT * FROM control_resources WHERE kind = ? AND id = ?',
  insertResource: 'INSERT INTO control_resources (kind, id, name, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  updateResource: 'UPDATE control_resources SET name = ?, data = ?, updated_at = ? WHERE kind = ? AND id = ?',
  deleteResource: 'DELETE FROM control_resources WHERE kind = ? AND id = ?',
  insertChange: 'INSERT INTO control_changes (kind, resource_id, at) VALUES (?, ?, ?)',
  version: 'SELECT COALESCE(MAX(id), 0) AS v FROM control_changes',
  // Each change with its resource as it is now (null: deleted), in one statement: a poller
  // patches a batch with one round trip instead of one read per changed resource.
  changesSince: `SELECT c.id AS version, c.kind AS change_kind, c.resource_id, r.kind, r.id, r.name, r.data, r.created_at, r.updated_at
    FROM control_changes c LEFT JOIN control_resources r ON r.kind = c.kind AND r.id = c.resource_id
    WHERE c.id > ? ORDER BY c.id LIMIT ?`,
  getSetting: 'SELECT value FROM control_settings WHERE name = ?',
  setSettingIfAbsent: 'INSERT INTO control_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
  ping: 'SELECT 1',
} as const;

/** `?` placeholders as PostgreSQL's `$1, $2 ...`. */
export function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** A `control_resources` row; `data` is JSON text in SQLite and already parsed (jsonb) in PostgreSQL. */
export interface ResourceRow {
  kind: ResourceKind;
  id: string;
  name: string;
  data: string | Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export const toResource = (r: ResourceRow): StoredResource => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A `changesSince` row: the change, and its resource's columns (null when it was deleted). */
export type FeedRow = Omit<ResourceRow, 'kind' | 'id'> & {
  version: number | string;
  change_kind: ResourceKind;
  resource_id: string;
  kind: ResourceKind | null;
  id: string | null;
};

export const toFeedEntry = (r: FeedRow): FeedEntry => ({
  version: Number(r.version),
  kind: r.change_kind,
  id: r.resource_id,
  row: r.id === null ? undefined : toResource(r as ResourceRow),
});

/** Parameters of `insertResource`, in order. */
export const resourceParams = (r: StoredResource): unknown[] => [r.kind, r.id, r.name, JSON.stringify(r.data), r.createdAt, r.updatedAt];

/** Parameters of `updateResource`, in order. */
export const updateParams = (kind: ResourceKind, id: string, name: string, data: Record<string, unknown>, updatedAt: string): unknown[] => [
  name,
  JSON.stringify(data),
  updatedAt,
  kind,
  id,
];
