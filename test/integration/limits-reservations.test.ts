import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { adminClient, type AdminClient } from '../helpers/admin.js';
import { nativeRerankBody } from '../helpers/bedrock-native.js';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { rerankBody, reservationConfig, slowCohere } from '../helpers/limits-fixtures.js';
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fakes/openai.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN_KEY = 'rk-admin-reservations';

describe('reservations through the gateway (one instance, in-process limits)', () => {
  let cohere: FakeServer;
  let openai: FakeOpenAi;
  let bedrock: FakeServer;
  let gw: RunningGateway;
  let admin: AdminClient;
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  async function key(plaintext: string, fields: Record<string, unknown>): Promise<void> {
    const res = await admin.call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex(plaintext), ...fields });
    assert.equal(res.status, 201, res.text);
  }

  before(async () => {
    cohere = await slowCohere(150);
    openai = await startFakeOpenAi({ apiKey: 'oai-key' });
    bedrock = await startFake((_req, res) => sendJson(res, 500, { message: 'never called' }));
    gw = await startGateway(reservationConfig(cohere.url, { openai: openai.url, bedrock: bedrock.url }), { RANKWAY_ADMIN_KEY: ADMIN_KEY });
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
  });
  after(async () => {
    await gw.close();
    await Promise.all([cohere.close(), openai.close(), bedrock.close()]);
  });

  it('30 concurrent $1 reranks against a $5 budget: exactly 5 served, the rest 429 budget_exceeded', async () => {
    await key('five-dollars', { budget: { usd: 5, period: 'day' } });
    const before = cohere.requests.length;
    const answers = await Promise.all(Array.from({ length: 30 }, () => gw.post('/v1/rerank', rerankBody(), bearer('five-dollars'))));
    assert.equal(answers.filter((a) => a.status === 200).length, 5);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 25);
    assert.ok(refused.every((a) => a.json.error.code === 'budget_exceeded' && Number(a.headers.get('retry-after')) >= 1));
    assert.equal(cohere.requests.length - before, 5, 'refused requests never went upstream');
    await gw.gateway.usage.flush();
  });

  it('a failed upstream call releases its hold', async () => {
    await key('release', { budget: { usd: 3, period: 'day' } });
    const failing = await Promise.all(Array.from({ length: 5 }, () => gw.post('/v1/rerank', rerankBody('fail'), bearer('release'))));
    assert.equal(failing.filter((a) => a.status === 429).length, 2, 'three holds at once, as for any request');
    assert.ok(failing.filter((a) => a.status !== 429).every((a) => a.status >= 500));
    const after = await Promise.all(Array.from({ length: 5 }, () => gw.post('/v1/rerank', rerankBody(), bearer('release'))));
    assert.equal(after.filter((a) => a.status === 200).length, 3, 'the failures spent nothing');
  });

  it('a caller hanging up on a unary request still settles its hold when the work ends', async () => {
    const res = await admin.call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex('hang-up'), budget: { usd: 1, period: 'day' } });
    const keyId: string = res.json.id;
    const abort = new AbortController();
    const sent = fetch(`${gw.url}/v1/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer('hang-up') },
      body: JSON.stringify(rerankBody('fail')),
      signal: abort.signal,
    });
    await waitFor(() => cohere.requests.some((r) => r.json?.query === 'fail' && r.headers.authorization !== undefined), {
      timeoutMs: 3000,
      message: 'the call upstream',
    });
    abort.abort();
    await sent.catch(() => undefined);
    // The upstream fails after the caller left: nothing was spent, so the whole $1 is free again.
    const limits = { budget: { usd: 1, period: 'day' as const } };
    await waitFor(
      async () => {
        const r = await gw.gateway.limiter.reserve(keyId, limits, { tokens: 0, usd: 1 }, Date.now());
        if (r.reservation) gw.gateway.limiter.settle(r.reservation, 0, 0);
        return r.reservation !== undefined;
      },
      { timeoutMs: 3000, message: 'the hold released' },
    );
  });

  it('tpm: concurrent chats never use more than the limit plus one estimate error', async () => {
    await key('tpm-key', { tpm: 500 });
    const chat = { model: 'gpt', messages: [{ role: 'user', content: 'Say something short about limits.' }], max_tokens: 20 };
    const answers = await Promise.all(Array.from({ length: 40 }, () => gw.post('/v1/chat/completions', chat, bearer('tpm-key'))));
    const served = answers.filter((a) => a.status === 200);
    const used = served.reduce((n, a) => n + a.json.usage.total_tokens, 0);
    assert.ok(served.length > 0 && served.length < 40, `${served.length} served`);
    // Each chat holds its input estimate plus max_tokens (4 + 9 + 20 = 33 tokens) and settles to what it used.
    assert.ok(used <= 500 + 33, `${used} tokens used by ${served.length} chats`);
    assert.ok(answers.filter((a) => a.status === 429).every((a) => a.json.error.code === 'rate_limit_exceeded'));
  });

  it('every surface reserves after routing: a request larger than the whole tpm is refused before any upstream call', async () => {
    await key('one-token', { tpm: 1 });
    const upstreamCalls = () => cohere.requests.length + openai.requests.length + bedrock.requests.length;
    const before = upstreamCalls();
    const cases: [string, unknown][] = [
      ['/v1/rerank', rerankBody()],
      ['/v2/rerank', rerankBody()],
      ['/cohere/v2/rerank', { model: 'dollar', query: 'q', documents: ['d'] }],
      ['/jina/v1/rerank', { model: 'dollar', query: 'q', documents: ['d'] }],
      ['/voyage/v1/rerank', { model: 'dollar', query: 'q', documents: ['d'] }],
      ['/rerank', nativeRerankBody({ modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0' })],
      ['/v1/chat/completions', { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/chat/completions', { model: 'gpt', messages: [{ role: 'user', content: 'hi' }], stream: true }],
      ['/v1/embeddings', { model: 'embed', input: 'hello there' }],
      ['/model/claude/converse', { messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 10 } }],
    ];
    for (const [path, body] of cases) {
      const res = await gw.post(path, body, bearer('one-token'));
      assert.equal(res.status, 429, `${path}: ${JSON.stringify(res.json)}`);
      assert.match(JSON.stringify(res.json), /more than the whole limit/, path);
    }
    assert.equal(upstreamCalls(), before, 'nothing went upstream');
  });
});

describe('reservations of streams the caller abandons', () => {
  let upstream: FakeServer;
  let gw: RunningGateway;
  let keyId: string;
  const open = new Set<import('node:http').ServerResponse>();

  before(async () => {
    // Sends its first chunk, then stalls: the caller gives up before the answer ends.
    upstream = await startFake((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = {
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      open.add(res);
    });
    gw = await startGateway(reservationConfig(upstream.url, { openai: upstream.url }), { RANKWAY_ADMIN_KEY: ADMIN_KEY });
    const res = await adminClient(gw.adminUrl, ADMIN_KEY).call('POST', '/admin/v1/apikeys', {
      key_hash: sha256Hex('stream-key'),
      tpm: 100,
    });
    assert.equal(res.status, 201, res.text);
    keyId = res.json.id;
  });
  after(async () => {
    for (const r of open) r.destroy();
    await upstream.close();
    // Abandoned streams on a stalled upstream keep graceful shutdown waiting for its deadline: keep it short.
    await gw.gateway.shutdown(500);
    await gw.close();
  });

  /** True when nothing of the key's tpm is held: a 100-token hold fits (and is given back). */
  async function nothingHeld(): Promise<boolean> {
    const r = await gw.gateway.limiter.reserve(keyId, { tpm: 100 }, { tokens: 100, usd: 0 }, Date.now());
    if (r.reservation) gw.gateway.limiter.settle(r.reservation, 0, 0);
    return r.reservation !== undefined;
  }

  it('an abandoned stream gives its hold back', async () => {
    // 4 + 2 input tokens + 60 output = 66 held: two such streams do not fit 100 at once.
    const body = JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'hello' }], max_tokens: 60, stream: true });
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer stream-key' },
        body,
        signal: abort.signal,
      });
      assert.equal(res.status, 200, `stream ${i}: ${res.status} ${res.status === 200 ? '' : await res.text()}`);
      const reader = res.body!.getReader();
      await reader.read(); // the first chunk arrived: the stream is open and its hold taken
      assert.equal(await nothingHeld(), false, 'the open stream holds its tokens');
      abort.abort();
      await reader.cancel().catch(() => undefined);
      await waitFor(nothingHeld, { timeoutMs: 3000, message: 'the hold released' });
    }
  });
});
