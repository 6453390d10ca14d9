import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appendSnapshot, loadSnapshot, saveSnapshot, SNAPSHOT_FILE } from '../../src/control/snapshot-file.js';
import type { StoredResource } from '../../src/store/repository.js';

const at = '2026-01-01T00:00:00.000Z';
const key = (i: number, data: Record<string, unknown> = {}): StoredResource => ({
  id: `key_${i}`,
  kind: 'api_key',
  name: `h${i}`,
  data: { key_hash: `h${i}`, ...data },
  createdAt: at,
  updatedAt: at,
});
const ids = (rows: readonly StoredResource[] | undefined) => (rows ?? []).map((r) => r.id).sort();

describe('saved control snapshot', () => {
  it('appends changes instead of rewriting, and reads them back in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-snap-'));
    try {
      await saveSnapshot(dir, { version: 10, providerKeys: [], models: [], apiKeys: [key(1), key(2), key(3)] });
      const whole = statSync(join(dir, SNAPSHOT_FILE)).size;
      await appendSnapshot(
        dir,
        [
          { kind: 'api_key', id: 'key_2', row: key(2, { disabled: true }) },
          { kind: 'api_key', id: 'key_3', row: undefined },
          { kind: 'api_key', id: 'key_4', row: key(4) },
        ],
        13,
      );
      assert.ok(statSync(join(dir, SNAPSHOT_FILE)).size - whole < 400, 'three changes cost three lines and a mark');
      const loaded = loadSnapshot(dir)!;
      assert.equal(loaded.version, 13);
      assert.deepEqual(ids(loaded.apiKeys), ['key_1', 'key_2', 'key_4']);
      assert.equal(loaded.apiKeys.find((r) => r.id === 'key_2')!.data.disabled, true);
      assert.equal((statSync(join(dir, SNAPSHOT_FILE)).mode & 0o777).toString(8), '600');

      // A crash mid-append: lines without their version mark, the last one cut short.
      appendFileSync(join(dir, SNAPSHOT_FILE), `${JSON.stringify({ deleted: true, kind: 'api_key', id: 'key_1' })}\n{"id":"key_9","ki`);
      const torn = loadSnapshot(dir)!;
      assert.equal(torn.version, 13);
      assert.deepEqual(ids(torn.apiKeys), ['key_1', 'key_2', 'key_4'], 'a torn append is ignored');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still reads a copy written before appends existed (format 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-snap-'));
    try {
      const lines = [JSON.stringify({ format: 1, version: 5, saved_at: at }), JSON.stringify(key(1)), JSON.stringify(key(2)), ''];
      writeFileSync(join(dir, SNAPSHOT_FILE), lines.join('\n'));
      const loaded = loadSnapshot(dir)!;
      assert.equal(loaded.version, 5);
      assert.deepEqual(ids(loaded.apiKeys), ['key_1', 'key_2']);
      assert.ok(readFileSync(join(dir, SNAPSHOT_FILE), 'utf8').startsWith('{"format":1'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
