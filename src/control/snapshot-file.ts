import { existsSync, readFileSync } from 'node:fs';
import { appendFile, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceKind, StoredResource } from '../store/repository.js';
import type { DatabaseRows } from './snapshot.js';

/** The last good copy of the database's resources, kept in the data dir. */
export const SNAPSHOT_FILE = 'control-snapshot.ndjson';
/** 2: the whole copy may be followed by appended changes (older readers ignore the file). */
const FORMAT = 2;
/** Rows per write: each chunk is a few milliseconds of work, so saving never stalls requests. */
const CHUNK = 500;

/** One appended change: the resource as it is now, or its removal. */
export interface SnapshotChange {
  readonly kind: ResourceKind;
  readonly id: string;
  readonly row: StoredResource | undefined;
}

/**
 * Writes the rows as JSON lines (a header, one resource per line, a version mark) to a temporary file,
 * then renames it over the old one, so a crash leaves the previous copy intact. Secrets stay
 * as the database holds them: sealed with the secret key. The file is readable by its owner only.
 */
export async function saveSnapshot(dataDir: string, rows: DatabaseRows): Promise<void> {
  const path = join(dataDir, SNAPSHOT_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const file = await open(tmp, 'w', 0o600);
  try {
    await file.write(JSON.stringify({ format: FORMAT, version: rows.version, saved_at: new Date().toISOString() }) + '\n');
    const lists: readonly (readonly StoredResource[])[] = [rows.providerKeys, rows.models, rows.apiKeys, rows.awsAccessKeys ?? []];
    for (const list of lists) {
      for (let i = 0; i < list.length; i += CHUNK) {
        let text = '';
        for (let j = i; j < Math.min(i + CHUNK, list.length); j++) text += JSON.stringify(list[j]) + '\n';
        await file.write(text);
      }
    }
    // The mark that makes the lines above count (see `loadSnapshot`).
    await file.write(JSON.stringify({ version: rows.version }) + '\n');
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  await rename(tmp, path);
}

/**
 * Appends changes to the saved copy, then the version they bring it to: a change costs a few
 * lines, not a rewrite of 100,000 keys. A reader applies lines in order and stops at the last
 * version mark, so a torn append (a crash mid-write) leaves the copy as of the previous mark.
 */
export async function appendSnapshot(dataDir: string, changes: readonly SnapshotChange[], version: number): Promise<void> {
  let text = '';
  for (const c of changes) text += JSON.stringify(c.row ?? { deleted: true, kind: c.kind, id: c.id }) + '\n';
  text += JSON.stringify({ version }) + '\n';
  await appendFile(join(dataDir, SNAPSHOT_FILE), text, { mode: 0o600 });
}

/** The saved rows, or undefined when there is no usable file (none yet, or another format). */
export function loadSnapshot(dataDir: string): DatabaseRows | undefined {
  const path = join(dataDir, SNAPSHOT_FILE);
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = JSON.parse(lines[0]) as { format?: number; version?: number };
  if ((header.format !== 1 && header.format !== FORMAT) || typeof header.version !== 'number') return undefined;
  let version = header.version;
  const rows = new Map<string, StoredResource>();
  // Lines since the last version mark: applied only once their mark is read.
  let pending: [string, StoredResource | undefined][] = [];
  const commit = () => {
    for (const [key, row] of pending) {
      if (row) rows.set(key, row);
      else rows.delete(key);
    }
    pending = [];
  };
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    let line: Partial<StoredResource> & { deleted?: boolean; version?: number };
    try {
      line = JSON.parse(lines[i]) as typeof line;
    } catch {
      break; // a torn append: keep what the last version mark covered
    }
    if (typeof line.version === 'number' && line.kind === undefined) {
      commit();
      version = line.version;
    } else if (line.kind && line.id) {
      pending.push([`${line.kind}\u0000${line.id}`, line.deleted ? undefined : (line as StoredResource)]);
    }
  }
  // Format 1 files have no marks: their rows count. Otherwise lines after the last mark are a torn append.
  if (header.format === 1) commit();
  const byKind: Record<ResourceKind, StoredResource[]> = { provider_key: [], model: [], api_key: [], aws_access_key: [] };
  for (const r of rows.values()) byKind[r.kind]?.push(r);
  return {
    version,
    providerKeys: byKind.provider_key,
    models: byKind.model,
    apiKeys: byKind.api_key,
    awsAccessKeys: byKind.aws_access_key,
  };
}
