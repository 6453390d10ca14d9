import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';
// mulberry32, seeded: every run draws the same cases, so a failure names the one that reproduces it.
import { seededRandom as prng } from '../../../src/eval/stats.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 600);
const KEYS = [
  'model',
  'query',
  'documents',
  'top_n',
  'return_documents',
  'max_tokens_per_doc',
  'priority',
  'rank_fields',
  'fallbacks',
  'text',
  'id',
  'meta',
  '__proto__',
  'constructor',
  '',
];
const STRINGS = ['local/bm25', 'local/', '/', '', ' ', 'cohere/x', 'a'.repeat(300), '\u0000', '\ud800', 'é ünïcödé 🚀', '${HOME}', 'null'];

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 4 || r < 0.15) return STRINGS[Math.floor(rand() * STRINGS.length)];
  if (r < 0.25) return Math.floor(rand() * 2000) - 1000;
  if (r < 0.3) return [0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2][Math.floor(rand() * 6)];
  if (r < 0.35) return rand() < 0.5;
  if (r < 0.4) return null;
  if (r < 0.7) return Array.from({ length: Math.floor(rand() * 6) }, () => randomValue(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 6); i > 0; i--) o[KEYS[Math.floor(rand() * KEYS.length)]] = randomValue(rand, depth + 1);
  return o;
}

const VALID = {
  model: 'local/bm25',
  query: 'gateway metrics',
  top_n: 2,
  return_documents: true,
  documents: ['metrics and traces', { id: 'b', text: 'kubernetes' }, { title: 't', text: 'logs' }],
};

/** A valid body with one field replaced, removed or retyped. */
function mutateValid(rand: () => number): unknown {
  const body: Record<string, unknown> = structuredClone(VALID);
  const key = KEYS[Math.floor(rand() * 9)];
  const op = rand();
  if (op < 0.3) delete body[key];
  else body[key] = randomValue(rand, 2);
  if (rand() < 0.3) (body.documents as unknown[])?.push?.(randomValue(rand, 3));
  return body;
}

/** The serialized valid body with bytes flipped, cut or duplicated. */
function mutateBytes(rand: () => number): string {
  const text = JSON.stringify(VALID);
  const chars = [...text];
  for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) {
    const at = Math.floor(rand() * chars.length);
    const op = rand();
    if (op < 0.4) chars[at] = String.fromCharCode(Math.floor(rand() * 128));
    else if (op < 0.7) chars.splice(at, 1 + Math.floor(rand() * 10));
    else chars.splice(at, 0, ...'{["'.charAt(Math.floor(rand() * 3)).repeat(1 + Math.floor(rand() * 5)));
  }
  return rand() < 0.2 ? chars.join('').slice(0, Math.floor(rand() * chars.length)) : chars.join('');
}

describe('request parser fuzzing', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ server: { max_documents: 50, body_limit_bytes: 64 * 1024 } });
  });
  after(() => gw.close());

  async function send(payload: string, path = '/v1/rerank', contentType = 'application/json') {
    return gw.gateway.proxy.inject({ method: 'POST', url: path, payload, headers: { 'content-type': contentType } });
  }

  it(`random, mutated and byte-flipped bodies never get a 5xx (seed ${SEED}, ${ITERATIONS} bodies)`, async () => {
    const rand = prng(SEED);
    const statuses = new Map<number, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const kind = i % 3;
      const payload =
        kind === 0 ? (JSON.stringify(randomValue(rand, 0)) ?? '') : kind === 1 ? JSON.stringify(mutateValid(rand)) : mutateBytes(rand);
      const res = await send(payload, rand() < 0.8 ? '/v1/rerank' : '/v2/rerank');
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      assert.ok(res.statusCode < 500, `body #${i} got ${res.statusCode}: ${payload.slice(0, 300)} -> ${res.body.slice(0, 300)}`);
      if (res.statusCode >= 400) {
        const err = JSON.parse(res.body).error;
        assert.equal(typeof err.message, 'string', `body #${i}: no error message`);
        assert.equal(typeof err.code, 'string');
      }
    }
    // The generator must reach both the success path and the validators, or it tests nothing.
    assert.ok((statuses.get(200) ?? 0) > 10, `too few successes: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(400) ?? 0) > ITERATIONS / 3, `too few rejections: ${JSON.stringify([...statuses])}`);
  });

  it('rejects absurdly nested bodies early with 400', async () => {
    for (const depth of [33, 5_000, 30_000]) {
      const res = await send('['.repeat(depth) + ']'.repeat(depth));
      assert.equal(res.statusCode, 400);
      assert.match(JSON.parse(res.body).error.message, /nested more than 32 levels/);
    }
    const deepDoc = { ...VALID, documents: [{ text: 'x', meta: JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) }] };
    assert.equal((await send(JSON.stringify(deepDoc))).statusCode, 400);
    const ok = { ...VALID, documents: [{ text: 'x', meta: { a: { b: { c: 1 } } } }] };
    assert.equal((await send(JSON.stringify(ok))).statusCode, 200);
  });

  it('refuses __proto__ keys, wrong media types and bodies over the limit', async () => {
    const proto = await send('{"model":"local/bm25","query":"q","documents":["a"],"__proto__":{"polluted":true}}');
    assert.equal(proto.statusCode, 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await send(JSON.stringify(VALID), '/v1/rerank', 'text/plain')).statusCode, 415);
    const big = await send(JSON.stringify({ ...VALID, query: 'x'.repeat(70 * 1024) }));
    assert.equal(big.statusCode, 413);
    assert.equal(JSON.parse(big.body).error.code, 'payload_too_large');
  });
});
