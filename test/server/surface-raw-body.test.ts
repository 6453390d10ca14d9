import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { openAiErrors } from '../../src/api/envelopes.js';
import { RawJsonBody } from '../../src/api/json-body.js';
import { defineSurface } from '../../src/api/surface.js';
import { createLogger } from '../../src/observability/log.js';
import { mountSurface } from '../../src/server/surface.js';

/** What the handler was given: the body's kind, and what a guarded parse of it yields. */
const seen = (body: unknown) =>
  body instanceof RawJsonBody ? { raw: true, bytes: body.bytes.toString('utf8') } : { raw: false, parsed: body };

const probe = defineSurface<undefined>({
  name: 'probe',
  listener: 'proxy',
  body: { kind: 'json' },
  auth: 'public',
  errors: openAiErrors,
  tags: ['probe'],
  routes: [
    { method: 'post', path: '/raw', doc: false, rawJsonBody: true, handler: () => async (request) => seen(request.body) },
    { method: 'post', path: '/parsed', doc: false, handler: () => async (request) => seen(request.body) },
  ],
});

describe('a route that opts into raw JSON bodies (rawJsonBody)', () => {
  it('gets the bytes as sent (RawJsonBody, guarded parse on demand); other routes of the surface get the parsed body', async () => {
    const app = Fastify();
    mountSurface(app, probe, undefined, { logger: createLogger({ level: 'silent' }), maxJsonDepth: 8 });
    try {
      const body = '{"documents":["caf\\u00e9"]}';
      const headers = { 'content-type': 'application/json' };
      const raw = await app.inject({ method: 'POST', url: '/raw', headers, payload: body });
      assert.deepEqual(raw.json(), { raw: true, bytes: body });
      const parsed = await app.inject({ method: 'POST', url: '/parsed', headers, payload: body });
      assert.deepEqual(parsed.json(), { raw: false, parsed: { documents: ['café'] } });
    } finally {
      await app.close();
    }
  });
});
