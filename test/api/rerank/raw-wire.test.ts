import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seededRandom } from '../../../src/eval/stats.js';
import type { FakeServer } from '../../helpers/fake-server.js';
import { startFakeCohere } from '../../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

const KEY = 'co-raw-key';

/** Texts with escapes, non-ASCII, lone surrogates and long runs, from a seed. */
function texts(seed: number, count: number, long = false): string[] {
  const rand = seededRandom(seed);
  const pieces = ['word ', 'é', '日本', '😀', '"', '\\', '\n', '\t', '\u0001', '\ud800', '/', '\u2028'];
  return Array.from({ length: count }, () => {
    let t = 'd';
    const n = long ? 3000 : 5 + Math.floor(rand() * 30);
    for (let k = 0; k < n; k++) t += pieces[Math.floor(rand() * pieces.length)];
    return t;
  });
}

describe('raw rerank documents on the wire', () => {
  let cohere: FakeServer;
  let gw: RunningGateway;
  before(async () => {
    cohere = await startFakeCohere({ apiKey: KEY, maxDocuments: 1000 });
    gw = await startGateway({
      providers: [{ name: 'cohere', type: 'cohere', api_key: KEY, base_url: cohere.url, max_documents_per_request: 1000 }],
      models: [{ name: 'search', target: 'cohere/rerank-v3.5' }],
    });
  });
  after(async () => {
    await gw.close();
    await cohere.close();
  });

  /** The same request with string documents (raw path) and `{text}` objects (general path). */
  async function both(documents: string[], extra: Record<string, unknown> = {}) {
    const out = [];
    for (const docs of [documents, documents.map((text) => ({ text }))]) {
      cohere.requests.length = 0;
      const res = await gw.post('/v1/rerank', { model: 'search', query: 'q "é"', documents: docs, cache: false, ...extra });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      out.push({ res, sent: cohere.requests.map((r) => ({ raw: r.raw.toString('hex'), headers: r.headers })) });
    }
    return out;
  }

  const comparable = (json: any) => ({ ...json, id: undefined, extra_fields: { ...json.extra_fields, latency: undefined } });

  it('sends the same bytes and answers the same as the general path (small body, return_documents)', async () => {
    const [raw, general] = await both(texts(11, 25), { return_documents: true, top_n: 7 });
    assert.deepEqual(
      raw.sent.map((s) => s.raw),
      general.sent.map((s) => s.raw),
    );
    assert.deepEqual(comparable(raw.res.json), comparable(general.res.json));
    assert.equal(raw.res.headers.get('content-type'), 'application/json; charset=utf-8');
  });

  it('large bodies go out in pieces with a content-length, chunked at the same boundaries', async () => {
    const docs = [...texts(12, 1500), ...texts(13, 30, true)];
    const [raw, general] = await both(docs, { return_documents: true, top_n: 40 });
    assert.equal(raw.sent.length, 2);
    assert.deepEqual(raw.sent.map((s) => s.raw).sort(), general.sent.map((s) => s.raw).sort());
    for (const s of raw.sent) {
      assert.equal(s.headers['transfer-encoding'], undefined);
      assert.equal(Number(s.headers['content-length']), s.raw.length / 2);
    }
    assert.deepEqual(comparable(raw.res.json), comparable(general.res.json));
  });
});
