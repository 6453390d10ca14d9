import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import { startGateway } from '../helpers/gateway.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const KEYS = 40_000; // past SQLite's 32,766 bound-variable limit

describe('40,000 keys, every one with a monthly budget, on SQLite', () => {
  it('starts, seeds budgets from recorded spend, and the admin API creates and disables keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-budgets-'));
    const db = openSqlite(dir);
    const at = new Date().toISOString();
    const insert = db.prepare('INSERT INTO control_resources (kind, id, name, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < KEYS; i++) {
        const hash = sha(`k-${i}`);
        const data = {
          name: null,
          key_hash: hash,
          allowed_models: null,
          rpm: null,
          tpm: null,
          rpd: null,
          budget: { usd: 1, period: 'month' },
          expires_at: null,
          disabled: false,
          metadata: {},
        };
        insert.run('api_key', `key_${i}`, hash, JSON.stringify(data), at, at);
      }
    })();
    db.close();
    // Key 7 already spent its whole budget this month (written as the gateway writes usage: rollups included).
    const store = new SqliteControlStore(openSqlite(dir));
    await store.insertBatch([
      {
        id: 'u1',
        requestId: 'r1',
        ts: Date.now(),
        keyId: 'key_7',
        surface: 'rerank',
        alias: null,
        provider: null,
        upstreamModel: null,
        status: 200,
        latencyMs: 1,
        documents: 1,
        chunks: 1,
        cacheHits: 0,
        attempts: 1,
        inputTokens: 0,
        outputTokens: 0,
        searchUnits: 0,
        costUsd: 1.5,
      },
    ]);
    await store.close();

    const gw = await startGateway({ server: { auth: 'keys' }, storage: { data_dir: dir } }, { RANKWAY_ADMIN_KEY: 'adm' });
    try {
      const spend = await gw.gateway.control.budgetSpend();
      // Only keys that spent something need a seed: an absent counter reads zero.
      assert.deepEqual(spend, [{ keyId: 'key_7', period: 'month', usd: 1.5 }]);
      const body = { model: 'local/bm25', query: 'q', documents: ['q'] };
      assert.equal((await gw.post('/v1/rerank', body, { authorization: 'Bearer k-8' })).status, 200);
      const spent = await gw.post('/v1/rerank', body, { authorization: 'Bearer k-7' });
      assert.equal(spent.status, 429, 'the seeded spend holds');
      assert.equal(spent.json.error.code, 'budget_exceeded');

      const admin = (method: string, path: string, b: unknown) =>
        fetch(gw.adminUrl + path, {
          method,
          headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
          body: JSON.stringify(b),
        });
      const created = await admin('POST', '/admin/v1/apikeys', { key_hash: sha('brand-new'), budget: { usd: 5, period: 'month' } });
      assert.equal(created.status, 201, await created.clone().text());
      const { id } = (await created.json()) as { id: string };
      assert.equal((await gw.post('/v1/rerank', body, { authorization: 'Bearer brand-new' })).status, 200);
      assert.equal((await admin('PATCH', `/admin/v1/apikeys/${id}`, { disabled: true })).status, 200);
      assert.equal((await gw.post('/v1/rerank', body, { authorization: 'Bearer brand-new' })).status, 401);
      const page = (await (
        await fetch(gw.adminUrl + '/admin/v1/apikeys?limit=2&offset=39999', { headers: { authorization: 'Bearer adm' } })
      ).json()) as any;
      assert.equal(page.data.length, 2);
      assert.equal(page.data[1].id, id, 'the new key is listed last');
      assert.equal(page.has_more, false);
    } finally {
      await gw.close();
    }
  });
});
