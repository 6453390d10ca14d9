import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ControlStore } from '../../src/store/repository.js';
import type { ShadowDaily } from '../../src/store/lab.js';
import { PostgresControlStore } from '../../src/store/postgres/repository.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import { pgSchema } from '../helpers/services.js';

const row = (day: string, pairs: number): ShadowDaily => ({
  day,
  alias: 'a',
  shadow: 'p/s',
  pairs,
  errors: 1,
  skipped: 2,
  costUsd: 0.5,
  overlapSum: pairs * 0.5,
  jaccardSum: 0,
  rboSum: 0,
  rboMinSum: 0,
  rboMaxSum: 0,
  tauSum: 0,
  tauN: 0,
  top1Sum: pairs,
});

const backends: Array<{ name: string; open(): Promise<{ store: ControlStore; cleanup(): Promise<void> } | string> }> = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'rankway-lab-'));
      return { store: new SqliteControlStore(openSqlite(dir)), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await pgSchema();
      if (typeof schema === 'string') return schema;
      const store = new PostgresControlStore(await openPostgres(schema.url));
      return {
        store,
        cleanup: async () => {
          await store.close();
          await schema.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`Rerank Lab store (${backend.name})`, () => {
    it('adds batches to the day rows, reads ranges, keeps calibrations', async (t) => {
      const opened = await backend.open();
      if (typeof opened === 'string') return t.skip(opened);
      try {
        const lab = opened.store.lab;
        await lab.addShadow([row('2026-12-06', 2), row('2026-12-07', 3)]);
        await lab.addShadow([row('2026-12-07', 4)]);
        const days = await lab.shadowDays('2026-12-07', '2026-12-07');
        assert.equal(days.length, 1);
        assert.equal(days[0].pairs, 7);
        assert.equal(days[0].errors, 2);
        assert.equal(days[0].costUsd, 1);
        assert.equal(days[0].overlapSum, 3.5);
        await lab.addSplits([
          {
            day: '2026-12-07',
            alias: 'ab',
            arm: 'x',
            requests: 1,
            errors: 0,
            costUsd: 0,
            latencyMsSum: 5,
            feedback: 1,
            rrSum: 0.5,
            clicksAt1: 0,
            clicksAt3: 1,
            clicksAt10: 1,
          },
        ]);
        assert.equal((await lab.splitDays('2026-12-01', '2026-12-31'))[0].rrSum, 0.5);
        await lab.addCalibration({
          id: 'cal_1',
          target: 'p/m',
          runId: 'r',
          model: 'p/m',
          method: 'platt',
          calibration: { method: 'platt', a: 1, b: 0 },
          pairs: 10,
          createdAt: '2026-12-07T00:00:00Z',
        });
        assert.deepEqual((await lab.listCalibrations())[0].calibration, { method: 'platt', a: 1, b: 0 });
      } finally {
        await opened.cleanup();
      }
    });
  });
}
