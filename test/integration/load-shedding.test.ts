import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('load shedding: a bounded queue per provider', () => {
  let slow: FakeServer;
  let gw: RunningGateway;
  const held: ServerResponse[] = [];

  before(async () => {
    // Holds every request until the test releases it, like an upstream at capacity.
    slow = await startFake((_req, res) => void held.push(res));
    gw = await startGateway({
      providers: [{ name: 'slow', type: 'cohere', api_key: 'k', base_url: slow.url, max_concurrency: 1, max_queue: 1 }],
    });
  });
  after(async () => {
    await gw.close();
    await slow.close();
  });

  it('answers 503 overloaded with Retry-After once the queue is full, and serves the rest', async () => {
    const request = { model: 'slow/rerank-v3.5', query: 'q', documents: ['a', 'b'] };
    const runtime = gw.gateway.providers.get('slow')!;
    const first = gw.post('/v1/rerank', request);
    await until(() => held.length === 1, 'the first call upstream');
    const second = gw.post('/v1/rerank', request);
    await until(() => runtime.concurrency.waiting === 1, 'the second call to queue');

    const shed = await gw.post('/v1/rerank', request);
    assert.equal(shed.status, 503);
    assert.equal(shed.json.error.code, 'overloaded');
    assert.equal(shed.headers.get('retry-after'), '1');
    assert.equal(held.length, 1, 'the shed request never reached the upstream');

    const answer = (res: ServerResponse) =>
      sendJson(res, 200, {
        id: 'x',
        results: [
          { index: 1, relevance_score: 0.9 },
          { index: 0, relevance_score: 0.1 },
        ],
        meta: { billed_units: { search_units: 1 } },
      });
    answer(held[0]);
    await until(() => held.length === 2, 'the queued call upstream');
    answer(held[1]);
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
    assert.equal(runtime.concurrency.inUse, 0);

    const metrics = await (await fetch(gw.adminUrl + '/metrics')).text();
    assert.match(metrics, /^rankway_load_shed_total\{surface="rerank",reason="overloaded"\} 1$/m);
    assert.match(metrics, /^rankway_requests_total\{[^}]*status_class="5xx",error_type="overloaded"\} 1$/m);
  });
});
