import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { describeSurface } from '../../src/api/surface.js';
import { SURFACES } from '../../src/api/surfaces.js';
import { OpenApiRegistry } from '../../src/api/openapi/registry.js';
import { createLogger } from '../../src/observability/log.js';
import { startGateway } from '../helpers/gateway.js';

function memoryLogger() {
  const lines: any[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('surfaces mounted from their declarations', () => {
  it('every surface gets the guarded JSON parser: the native Bedrock API refuses __proto__ and deep bodies (it once re-parsed without the guards)', async () => {
    const gw = await startGateway({ server: { max_json_depth: 8 } });
    try {
      const poisoned = await gw.post('/rerank', '{"__proto__": {"polluted": true}, "queries": []}');
      assert.equal(poisoned.status, 400);
      assert.equal(poisoned.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.match((poisoned.json as { message: string }).message, /__proto__/);
      const deep = await gw.post('/bedrock/rerank', '{"a":'.repeat(20) + '1' + '}'.repeat(20));
      assert.equal(deep.status, 400);
      assert.match((deep.json as { message: string }).message, /nested more than 8 levels/);
    } finally {
      await gw.close();
    }
  });

  it('logs admin API errors with their request id (they were never logged)', async () => {
    const { lines, logger } = memoryLogger();
    const gw = await startGateway({}, { RANKWAY_ADMIN_KEY: 'adm-key-123456' }, { logger });
    try {
      const res = await fetch(gw.adminUrl + '/admin/v1/models/nope', { headers: { authorization: 'Bearer adm-key-123456' } });
      assert.equal(res.status, 404);
      const line = lines.find((l) => l.code === 'resource_not_found');
      assert.ok(line, 'an error line for the admin 404');
      assert.equal(typeof line.requestId, 'string');
      assert.equal(line.status, 404);
    } finally {
      await gw.close();
    }
  });

  it("core's log lines carry the request id (a child logger per request)", async () => {
    const { lines, logger } = memoryLogger();
    const gw = await startGateway(
      {
        providers: [{ name: 'down', type: 'cohere', api_key: 'k', base_url: 'http://127.0.0.1:1', max_retries: 0 }],
      },
      {},
      { logger },
    );
    try {
      const res = await gw.post(
        '/v1/rerank',
        { model: 'down/rerank-v3.5', query: 'q', documents: ['a'] },
        { 'x-request-id': 'req-core-7' },
      );
      assert.equal(res.status >= 500, true);
      const failed = lines.find((l) => l.msg === 'upstream target failed');
      assert.ok(failed, 'the attempt loop logged the failed target');
      assert.equal(failed.requestId, 'req-core-7');
    } finally {
      await gw.close();
    }
  });

  it('documents every declared route once, on the listener that serves it', () => {
    const registry = new OpenApiRegistry();
    for (const surface of SURFACES) describeSurface(registry, surface);
    const doc = registry.document({ version: 'test' }) as { paths: Record<string, Record<string, { servers?: unknown }>> };
    for (const surface of SURFACES) {
      for (const route of surface.routes) {
        if (route.doc === false) continue;
        const path = route.doc.path ?? (surface.prefix ?? '') + route.path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
        const op = doc.paths[path]?.[route.method];
        assert.ok(op, `${route.method} ${path} (${surface.name}) is documented`);
        assert.equal(op.servers !== undefined, surface.listener === 'admin', `${path} names its listener`);
      }
    }
  });
});
