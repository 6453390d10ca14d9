import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { createLogger } from '../../src/observability/log.js';
import { startGateway } from '../helpers/gateway.js';

const KEY = 'rk-secret-caller-key-123';
const SECRET_QUERY = 'confidential merger plans';

function memoryLogger() {
  const lines: any[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

async function run(env: NodeJS.ProcessEnv) {
  const { lines, logger } = memoryLogger();
  const gw = await startGateway({ server: { auth: 'keys', keys: [{ name: 'search-app', key_sha256: sha256Hex(KEY) }] } }, env, {
    logger,
    accessLog: true,
  });
  try {
    const res = await gw.post(
      '/v1/rerank',
      { model: 'local/bm25', query: SECRET_QUERY, documents: ['merger plans', 'lunch menu'] },
      { authorization: `Bearer ${KEY}`, 'x-request-id': 'req-log-1' },
    );
    assert.equal(res.status, 200);
    assert.equal((await gw.post('/v1/rerank', {}, { authorization: 'Bearer wrong-key' })).status, 401);
  } finally {
    await gw.close();
  }
  return lines;
}

describe('logs', () => {
  it('writes one access line per request with ids, routing, status, latency, units and attempts, and no payload', async () => {
    const lines = await run({});
    const access = lines.filter((l) => l.msg === 'request');
    assert.equal(access.length, 2, 'refused requests get an access line too');
    const ok = access.find((l) => l.requestId === 'req-log-1');
    assert.ok(ok);
    assert.equal(ok.keyId, 'search-app');
    assert.equal(ok.alias, 'local/bm25');
    assert.equal(ok.provider, 'local');
    assert.equal(ok.status, 200);
    assert.equal(ok.attempts, 1);
    assert.equal(ok.documents, 2);
    assert.equal(typeof ok.latencyMs, 'number');
    assert.equal(access.find((l) => l.status === 401)?.keyId, 'anonymous');
    const all = JSON.stringify(lines);
    assert.ok(!all.includes(SECRET_QUERY), 'payload logged without LOG_PAYLOADS');
    assert.ok(!all.includes(KEY) && !all.includes('wrong-key'), 'a caller key reached the log');
  });

  it('logs request payloads only when LOG_PAYLOADS=1, still without credentials', async () => {
    const lines = await run({ LOG_PAYLOADS: '1' });
    const payload = lines.find((l) => l.msg === 'request payload' && l.requestId === 'req-log-1');
    assert.equal(payload?.body.query, SECRET_QUERY);
    assert.ok(!JSON.stringify(lines).includes(KEY));
  });

  it('redacts credentials by path', () => {
    const { lines, logger } = memoryLogger();
    logger.info(
      { headers: { authorization: 'Bearer sk-live-1', 'x-api-key': 'k-2' }, provider: { api_key: 'sk-3', secret_access_key: 'aws-4' } },
      'x',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['sk-live-1', 'k-2', 'sk-3', 'aws-4']) assert.ok(!text.includes(secret), `${secret} leaked`);
    assert.equal(lines[0].headers.authorization, '[redacted]');
  });
});
