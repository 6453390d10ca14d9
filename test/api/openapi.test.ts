import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateOpenApiText } from '../../src/api/openapi/generate.js';
import { startGateway } from '../helpers/gateway.js';

const committed = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');

describe('OpenAPI document', () => {
  it('docs/openapi.json matches what the code generates (run `npm run openapi` after changing routes)', async () => {
    assert.equal(committed, await generateOpenApiText());
  });

  it('is served at /openapi.json on the proxy port without an API key, identical to the committed file', async () => {
    const gw = await startGateway({ server: { auth: 'keys', keys: [{ name: 'app', key_sha256: 'a'.repeat(64) }] } });
    try {
      const res = await fetch(gw.url + '/openapi.json');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(await res.text(), committed);
      // Everything else on the proxy still needs a key.
      assert.equal((await gw.post('/v1/rerank', {})).status, 401);
    } finally {
      await gw.close();
    }
  });

  it('describes the rerank routes from the schemas the server validates with', () => {
    const doc = JSON.parse(committed);
    assert.equal(doc.openapi, '3.1.0');
    for (const path of ['/v1/rerank', '/v2/rerank']) {
      const op = doc.paths[path].post;
      assert.equal(op.requestBody.content['application/json'].schema.$ref, '#/components/schemas/RerankRequest');
      assert.ok(op.responses['400'] && op.responses['503']);
    }
    const request = doc.components.schemas.RerankRequest;
    assert.deepEqual([...request.required].sort(), ['documents', 'model', 'query']);
    assert.equal(request.properties.top_n.minimum, 1);
    assert.equal(request.properties.documents.minItems, 1);
    assert.ok(doc.components.schemas.RerankResponse.properties.results);
    for (const path of ['/cohere/v2/rerank', '/jina/v1/rerank', '/voyage/v1/rerank', '/tei/rerank', '/bedrock/rerank']) {
      assert.ok(doc.paths[path]?.post?.requestBody, `${path} is documented with its request schema`);
    }
    const vertex = doc.paths['/vertex/v1/projects/{project}/locations/{location}/rankingConfigs/{rankingConfig}:rank'].post;
    assert.deepEqual(vertex.parameters.map((p: { name: string }) => p.name), ['project', 'location', 'rankingConfig']);
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      assert.equal(doc.paths[path].get.servers[0].url, 'http://127.0.0.1:3001', `${path} is on the admin port`);
    }
  });
});
