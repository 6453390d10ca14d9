import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startFake, type FakeServer } from '../helpers/fake-server.js';
import { startRankway, type RankwayProcess } from '../helpers/process.js';

/**
 * The hostile cases of issue 11 against a real gateway process, whose peak resident memory
 * (VmHWM) is read from /proc: huge upstream answers, a huge streamed event, and HTTP/2
 * connections that hold many large or trickling streams. Each case must end with a clear
 * error, and the process must stay under 400 MB through all of them.
 */

const MB = 1024 * 1024;
const RSS_LIMIT = 400 * MB;
const PAD = Buffer.alloc(MB, 'x');

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb * 1024;
}

/** Writes `total` bytes of `x` with backpressure; stops early when the gateway hangs up. Resolves with the bytes written. */
async function writePadding(res: ServerResponse, total: number): Promise<number> {
  let written = 0;
  while (written < total && !res.destroyed) {
    const n = Math.min(PAD.length, total - written);
    written += n;
    if (!res.write(n === PAD.length ? PAD : PAD.subarray(0, n))) {
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
  }
  return written;
}

/**
 * A Cohere rerank answer padded to 50 MB, with its content-length as real services send it.
 * (Replies without one are reserved chunk by chunk; test/transport/byte-budget.test.ts
 * covers that path.)
 */
async function hugeRerank(res: ServerResponse): Promise<void> {
  const head = Buffer.from('{"id":"r","results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.1}],"meta":{"pad":"');
  const tail = Buffer.from('"}}');
  const padBytes = 50 * MB;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': head.length + padBytes + tail.length });
  res.write(head);
  if ((await writePadding(res, padBytes)) === padBytes && !res.destroyed) res.end(tail);
}

/** An OpenAI chat stream: optionally one normal event, then a 40 MB event without a newline. */
async function hugeEvent(res: ServerResponse, first: boolean, sent: { bytes: number[] }): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (first)
    res.write(
      'data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}\n\n',
    );
  res.write('data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"');
  sent.bytes.push(await writePadding(res, 40 * MB));
  res.end();
}

async function rerank(url: string): Promise<{ status: number; retryAfter: string | null; json: any }> {
  const res = await fetch(`${url}/v1/rerank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'co/rerank-v3.5', query: 'q', documents: ['a', 'b'], cache: false }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json() };
}

function h2Answer(stream: ClientHttp2Stream): Promise<number> {
  return new Promise((resolve) => {
    let status = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve(status));
    stream.resume();
  });
}

/** Starts `src/main.ts` with this config and its data in a fresh directory. */
async function startWith(config: unknown): Promise<{ rankway: RankwayProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'rankway-hostile-'));
  writeFileSync(join(dir, 'rankway.yaml'), JSON.stringify(config));
  const rankway = await startRankway({ RANKWAY_CONFIG: join(dir, 'rankway.yaml'), RANKWAY_DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' });
  return { rankway, dir };
}

function stopHard(started: { rankway: RankwayProcess; dir: string } | undefined): void {
  if (started?.rankway.child.exitCode === null) started.rankway.child.kill('SIGKILL');
  if (started) rmSync(started.dir, { recursive: true, force: true });
}

const assertRss = (rankway: RankwayProcess, t: TestContext): void => {
  const peak = peakRss(rankway.child.pid!);
  t.diagnostic(`gateway peak RSS ${Math.round(peak / MB)} MB`);
  assert.ok(peak < RSS_LIMIT, `peak RSS ${Math.round(peak / MB)} MB`);
};

describe('huge upstream answers against a gateway process', () => {
  let cohere: FakeServer;
  let openai: FakeServer;
  let started: { rankway: RankwayProcess; dir: string };
  let rankway: RankwayProcess;
  const eventBytes = { bytes: [] as number[] };

  before(async () => {
    cohere = await startFake((_req, res) => hugeRerank(res));
    openai = await startFake((req, res) => hugeEvent(res, req.json?.messages?.[0]?.content === 'after-headers', eventBytes));
    started = await startWith({
      providers: [
        { name: 'co', type: 'cohere', api_key: 'k', base_url: cohere.url, max_retries: 0 },
        { name: 'oai', type: 'openai', api_key: 'k', base_url: `${openai.url}/v1`, max_retries: 0 },
      ],
    });
    rankway = started.rankway;
  });

  after(async () => {
    stopHard(started);
    await cohere?.close();
    await openai?.close();
  });

  it('16 concurrent 50 MB upstream answers: served or shed with 503 overloaded and Retry-After', async (t) => {
    const results = await Promise.all(Array.from({ length: 16 }, () => rerank(rankway.url)));
    const served = results.filter((r) => r.status === 200);
    const shed = results.filter((r) => r.status === 503);
    assert.equal(served.length + shed.length, 16, JSON.stringify(results.map((r) => [r.status, r.json?.error])));
    assert.ok(served.length >= 1, 'some answers fit in the budget');
    assert.ok(shed.length >= 1, 'not all of 800 MB fits');
    for (const r of served)
      assert.deepEqual(
        r.json.results.map((x: { index: number }) => x.index),
        [1, 0],
      );
    for (const r of shed) {
      assert.equal(r.json.error.code, 'overloaded');
      assert.ok(Number(r.retryAfter) >= 1);
    }
    assertRss(rankway, t);
  });

  it('a 40 MB SSE event: 502 before the stream starts, one error event after it started', async (t) => {
    const chat = (content: string) =>
      fetch(`${rankway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'oai/m', stream: true, messages: [{ role: 'user', content }] }),
      });
    const before = await chat('before-headers');
    assert.equal(before.status, 502);
    assert.equal((await before.json()).error.code, 'upstream_bad_response');

    const started = await chat('after-headers');
    assert.equal(started.status, 200);
    const text = await started.text();
    const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
    assert.ok(
      events.some((e) => e.includes('"content":"hi"')),
      text.slice(0, 2000),
    );
    const errors = events.filter((e) => e.includes('"error"'));
    assert.equal(errors.length, 1, text.slice(0, 2000));
    assert.match(errors[0], /upstream_bad_response|exceeded/);
    // The gateway hung up on the upstream soon after the cap instead of reading all 40 MB.
    await new Promise<void>((r) => {
      const check = (): void => (eventBytes.bytes.length >= 2 ? r() : void setTimeout(check, 20));
      check();
    });
    for (const sent of eventBytes.bytes) assert.ok(sent < 40 * MB, `upstream wrote ${sent} bytes`);
    assertRss(rankway, t);
  });
});

describe('slow and oversized HTTP/2 streams against a gateway process', () => {
  let started: { rankway: RankwayProcess; dir: string };
  let rankway: RankwayProcess;

  before(async () => {
    started = await startWith({ server: { request_timeout_ms: 3000, shutdown_timeout_ms: 2000 } });
    rankway = started.rankway;
  });
  after(() => stopHard(started));

  // A client session with room for all it queues: Node's default (10 MB) would make the
  // client reset its own streams before the gateway's answers arrive.
  const connect = (): ClientHttp2Session => {
    const session = http2.connect(rankway.url, { maxSessionMemory: 2048 });
    session.on('error', () => undefined);
    return session;
  };

  it('one h2c connection with 30 streams each sending 15 MB: refused or timed out, memory bounded', async (t) => {
    const session = connect();
    try {
      const body = Buffer.alloc(15 * MB, ' ');
      const streams = Array.from({ length: 30 }, () =>
        session.request({ ':method': 'POST', ':path': '/v1/rerank', 'content-type': 'application/json' }, { endStream: false }),
      );
      const statuses = streams.map((s) => h2Answer(s));
      // The bodies never end: each stream is refused when the connection's bytes go over the
      // cap (64 MB by default), or gets 408 at request_timeout_ms.
      for (const s of streams) s.write(body);
      const got = await Promise.all(statuses);
      for (const status of got) assert.ok(status === 503 || status === 408, `statuses ${got.join(',')}`);
    } finally {
      session.destroy();
    }
    assertRss(rankway, t);
  });

  it('2,000 trickling h2c streams on one connection: 100 advertised, and SIGTERM exits within shutdown_timeout_ms', async () => {
    const session = connect();
    await new Promise((r) => session.once('remoteSettings', r));
    assert.equal(session.remoteSettings.maxConcurrentStreams, 100);
    const streams = Array.from({ length: 2000 }, () => {
      const s = session.request({ ':method': 'POST', ':path': '/v1/rerank', 'content-type': 'application/json' }, { endStream: false });
      s.on('error', () => undefined);
      s.write('{');
      return s;
    });
    await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
    const t0 = Date.now();
    const code = await rankway.stop();
    const ms = Date.now() - t0;
    session.destroy();
    assert.equal(code, 0, rankway.output());
    assert.ok(ms < 2000 + 3000, `exit took ${ms} ms`);
    assert.equal(streams.length, 2000);
  });
});
