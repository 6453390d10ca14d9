import { existsSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredResource } from '../store/repository.js';
import type { DatabaseRows } from './snapshot.js';

/** The last good copy of the database's resources, kept in the data dir. */
export const SNAPSHOT_FILE = 'control-snapshot.ndjson';
const FORMAT = 1;
/** Rows per write: each chunk is a few milliseconds of work, so saving never stalls requests. */
const CHUNK = 500;

/**
 * Writes the rows as JSON lines (a header, then one resource per line) to a temporary file,
 * then renames it over the old one, so a crash leaves the previous copy intact. Secrets stay
 * as the database holds them: sealed with the secret key. The file is readable by its owner only.
 */
export async function saveSnapshot(dataDir: string, rows: DatabaseRows): Promise<void> {
  const path = join(dataDir, SNAPSHOT_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const file = await open(tmp, 'w', 0o600);
  try {
    await file.write(JSON.stringify({ format: FORMAT, version: rows.version, saved_at: new Date().toISOString() }) + '\n');
    const all: readonly StoredResource[] = [...rows.providerKeys, ...rows.models, ...rows.apiKeys, ...(rows.awsAccessKeys ?? [])];
    for (let i = 0; i < all.length; i += CHUNK) {
      let text = '';
      for (const r of all.slice(i, i + CHUNK)) text += JSON.stringify(r) + '\n';
      await file.write(text);
    }
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  await rename(tmp, path);
}

/** The saved rows, or undefined when there is no usable file (none yet, or another format). */
export function loadSnapshot(dataDir: string): DatabaseRows | undefined {
  const path = join(dataDir, SNAPSHOT_FILE);
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = JSON.parse(lines[0]) as { format?: number; version?: number };
  if (header.format !== FORMAT || typeof header.version !== 'number') return undefined;
  const byKind: Record<StoredResource['kind'], StoredResource[]> = { provider_key: [], model: [], api_key: [], aws_access_key: [] };
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const r = JSON.parse(lines[i]) as StoredResource;
    byKind[r.kind]?.push(r);
  }
  return {
    version: header.version,
    providerKeys: byKind.provider_key,
    models: byKind.model,
    apiKeys: byKind.api_key,
    awsAccessKeys: byKind.aws_access_key,
  };
}
