import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startGateway } from '../helpers/gateway.js';

describe('evaluation runs cut off by a restart', () => {
  it('are marked interrupted when the gateway starts again (SQLite)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-interrupted-'));
    try {
      const first = await startGateway({ storage: { data_dir: dir } }, { RANKWAY_ADMIN_KEY: 'rk-admin-int' });
      const now = new Date().toISOString();
      const run = {
        id: 'evr_cut',
        setId: 'evs_x',
        status: 'running',
        done: 3,
        total: 10,
        request: {},
        report: null,
        error: null,
        createdAt: now,
        updatedAt: now,
      };
      await first.gateway.store.evals.createRun(run);
      await first.gateway.store.evals.createRun({ ...run, id: 'evr_done', status: 'completed' });
      await first.gateway.close();

      const second = await startGateway({ storage: { data_dir: dir } }, { RANKWAY_ADMIN_KEY: 'rk-admin-int' });
      try {
        const cut = await second.gateway.store.evals.getRun('evr_cut');
        assert.equal(cut?.status, 'interrupted');
        assert.match(cut?.error ?? '', /stopped before it finished/);
        assert.equal((await second.gateway.store.evals.getRun('evr_done'))?.status, 'completed');
      } finally {
        await second.gateway.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
