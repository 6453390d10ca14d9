import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { startRankway, type RankwayProcess } from '../helpers/process.js';

/**
 * The README's "Control plane" sequence, step by step, against a started Rankway process on
 * its embedded SQLite store (the Cohere endpoint is a local fake via `api_base`).
 */
describe('control plane: the README sequence', () => {
  let cohere: FakeServer;
  let rankway: RankwayProcess;
  let dataDir: string;
  const ADMIN = 'rk-admin-readme';

  before(async () => {
    cohere = await startFakeCohere({ apiKey: 'co-live-key' });
    dataDir = mkdtempSync(join(tmpdir(), 'rankway-readme-'));
    rankway = await startRankway({ RANKWAY_ADMIN_KEY: ADMIN, RANKWAY_DATA_DIR: dataDir, RANKWAY_CONFIG: '', DATABASE_URL: '', REDIS_URL: '' });
  });
  after(async () => {
    await rankway.stop();
    await cohere.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(rankway.adminUrl + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  it('provider key, model, caller key from its sha256, calls, then usage with cost', async () => {
    const pk = await admin('POST', '/admin/v1/provider_keys', {
      display_name: 'cohere-prod',
      provider: 'cohere',
      adapter: 'cohere',
      secret: JSON.stringify({ api_key: 'co-live-key' }),
      api_base: cohere.url,
    });
    assert.equal(pk.status, 201);

    const model = await admin('POST', '/admin/v1/models', {
      display_name: 'rerank-cohere',
      provider: 'cohere',
      model_name: 'rerank-v3.5',
      provider_key_id: pk.json.id,
    });
    assert.equal(model.status, 201);

    // printf '%s' sk-bedrock-caller | sha256sum
    const hash = createHash('sha256').update('sk-bedrock-caller').digest('hex');
    const key = await admin('POST', '/admin/v1/apikeys', { key_hash: hash, allowed_models: ['rerank-cohere'] });
    assert.equal(key.status, 201);

    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${rankway.url}/v1/rerank`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bedrock-caller' },
        body: JSON.stringify({ model: 'rerank-cohere', query: `rotate keys ${i}`, documents: ['Rotate API keys from the admin API.', 'Metrics.'] }),
      });
      assert.equal(res.status, 200);
    }
    const denied = await fetch(`${rankway.url}/v1/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bedrock-caller' },
      body: JSON.stringify({ model: 'local/bm25', query: 'q', documents: ['q'] }),
    });
    assert.equal(denied.status, 403, 'allowed_models holds');

    await new Promise((r) => setTimeout(r, 1200)); // usage is written within a second
    const usage = await admin('GET', '/admin/v1/usage?group_by=model');
    assert.equal(usage.status, 200);
    const row = usage.json.data.find((g: any) => g.model === 'rerank-cohere');
    assert.equal(row.requests, 3);
    assert.equal(row.search_units, 3);
    assert.equal(row.cost_usd, 0.006, 'three search units at $2.00 per 1,000');
    assert.equal(cohere.requests.length, 3);
  });
});
