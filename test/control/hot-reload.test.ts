import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildGateway, type Gateway } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigReloader } from '../../src/control/hot-reload.js';
import { createLogger } from '../../src/observability/log.js';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { rank } from '../helpers/fakes/scoring.js';

const yaml = (cohereUrl: string, models: string) => `
server: { port: 0, admin_port: 0 }
providers:
  - { name: slow, type: cohere, api_key: k, base_url: ${cohereUrl}, max_retries: 0 }
models:
${models}
`;

describe('config hot reload', () => {
  let dir: string;
  let file: string;
  let slow: FakeServer;
  let gateway: Gateway;
  let url: string;
  let reloader: ConfigReloader;
  let release: (() => void) | undefined;

  const post = async (model: string) => {
    const res = await fetch(`${url}/v1/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, query: 'q', documents: ['q doc', 'other'] }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rankway-reload-'));
    file = join(dir, 'rankway.yaml');
    // A Cohere fake that holds its answer until the test releases it.
    slow = await startFake(async (req, res) => {
      await new Promise<void>((r) => (release = r));
      sendJson(res, 200, {
        id: 'x',
        results: rank(req.json.query, req.json.documents).map((r) => ({ index: r.index, relevance_score: r.score })),
        meta: { billed_units: { search_units: 1 } },
      });
    });
    writeFileSync(file, yaml(slow.url, '  - { name: first, target: slow/rerank-v3.5 }'));
    const env = { RANKWAY_DATA_DIR: dir, RANKWAY_ADMIN_KEY: 'x' };
    const load = () => loadConfig({ argv: ['--config', file], env });
    const logger = createLogger({ level: 'silent' });
    gateway = buildGateway(load(), { logger, accessLog: false, env });
    url = await gateway.proxy.listen({ host: '127.0.0.1', port: 0 });
    reloader = new ConfigReloader(gateway.control, load, logger);
  });
  after(async () => {
    reloader.close();
    await gateway.close();
    await slow.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('swaps models without dropping a request in flight', async () => {
    const inFlight = post('first');
    while (!release) await new Promise((r) => setTimeout(r, 5));
    writeFileSync(file, yaml(slow.url, '  - { name: second, target: local/bm25 }'));
    assert.equal(await reloader.reload('test'), true);
    assert.equal((await post('second')).status, 200, 'the new alias serves at once');
    assert.equal((await post('first')).status, 404, 'the removed alias is gone for new requests');
    release!();
    const done = await inFlight;
    assert.equal(done.status, 200, 'the request that started before the reload finished normally');
    assert.equal(done.json.extra_fields.provider, 'slow');
  });

  it('keeps the running config when the new file is invalid', async () => {
    writeFileSync(file, yaml(slow.url, '  - { name: broken, target: nowhere/model }'));
    assert.equal(await reloader.reload('test'), false);
    assert.equal((await post('second')).status, 200);
    assert.equal((await post('broken')).status, 404);
  });

  it('notices the file changing on disk', async () => {
    reloader.watch(file);
    writeFileSync(file, yaml(slow.url, '  - { name: third, target: local/bm25 }'));
    const t0 = Date.now();
    while ((await post('third')).status !== 200) {
      assert.ok(Date.now() - t0 < 3000, 'the change was not picked up');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
