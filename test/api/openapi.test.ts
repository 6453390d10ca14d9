import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateOpenApiText } from '../../src/api/openapi/generate.js';
import { adminClient } from '../helpers/admin.js';
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
    assert.deepEqual(
      vertex.parameters.map((p: { name: string }) => p.name),
      ['project', 'location', 'rankingConfig'],
    );
    for (const path of ['/livez', '/healthz', '/readyz', '/metrics']) {
      assert.equal(doc.paths[path].get.servers[0].url, 'http://127.0.0.1:3001', `${path} is on the admin port`);
    }
  });

  it('describes the OpenAI surface from its request schemas, streaming included', () => {
    const doc = JSON.parse(committed);
    const schemas = doc.components.schemas;
    const body = (path: string, method = 'post') => doc.paths[path][method].requestBody.content['application/json'].schema.$ref;
    assert.equal(body('/v1/chat/completions'), '#/components/schemas/ChatCompletionRequest');
    assert.ok(schemas.ChatCompletionRequest.required.includes('messages'));
    assert.equal(schemas.ChatCompletionRequest.properties.messages.minItems, 1);
    assert.equal(body('/v1/completions'), '#/components/schemas/CompletionRequest');
    assert.ok(schemas.CompletionRequest.required.includes('prompt'));
    assert.equal(body('/v1/embeddings'), '#/components/schemas/EmbeddingsRequest');
    assert.deepEqual([...schemas.EmbeddingsRequest.required].sort(), ['input', 'model']);
    assert.deepEqual(schemas.EmbeddingsRequest.properties.encoding_format.enum, ['float', 'base64']);
    for (const path of ['/v1/chat/completions', '/v1/completions']) {
      const ok = doc.paths[path].post.responses['200'].content;
      assert.ok(ok['application/json'].schema.$ref, `${path} answers JSON`);
      assert.match(ok['text/event-stream'].schema.description, /data: \[DONE\]/, `${path} documents its SSE stream`);
      assert.ok(doc.paths[path].post.responses['429']);
    }
    assert.equal(doc.paths['/v1/embeddings'].post.responses['200'].content['text/event-stream'], undefined, 'embeddings never stream');
    assert.equal(doc.paths['/v1/models'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/ModelList');
    assert.equal(doc.paths['/v1/models'].get.security, undefined, '/v1/models needs a caller key');
  });

  it('describes the native Bedrock runtime passthrough: path, SigV4 or key auth, AWS error shape', () => {
    const doc = JSON.parse(committed);
    const op = doc.paths['/model/{modelId}/{action}'].post;
    assert.deepEqual(
      op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
      ['path:modelId', 'path:action'],
    );
    assert.deepEqual(op.security, [{ bearer: [] }, { apiKey: [] }, { sigv4: [] }]);
    assert.ok(doc.components.securitySchemes.sigv4);
    assert.ok(op.requestBody.content['*/*'], 'the body is passed through whatever its type');
    assert.ok(op.responses['200'].content['application/vnd.amazon.eventstream']);
    assert.equal(op.responses['403'].content['application/json'].schema.$ref, '#/components/schemas/AwsError');
    assert.deepEqual(doc.components.schemas.AwsError.required, ['message']);
    assert.equal(op.responses['401'], undefined, 'AWS has no 401: auth failures are AccessDenied 403');
  });

  it('describes the admin API on the admin port behind the admin key', () => {
    const doc = JSON.parse(committed);
    const schemas = doc.components.schemas;
    const created = {
      provider_keys: 'ProviderKeyCreate',
      models: 'ModelCreate',
      apikeys: 'ApiKeyCreate',
      aws_access_keys: 'AwsAccessKeyCreate',
    };
    for (const [kind, create] of Object.entries(created)) {
      const base = `/admin/v1/${kind}`;
      assert.deepEqual(Object.keys(doc.paths[base]).sort(), ['get', 'post'], base);
      assert.deepEqual(Object.keys(doc.paths[`${base}/{id}`]).sort(), ['delete', 'get', 'patch'], `${base}/{id}`);
      const post = doc.paths[base].post;
      assert.equal(post.requestBody.content['application/json'].schema.$ref, `#/components/schemas/${create}`);
      assert.ok(post.responses['201'], `${base} answers 201 on creation`);
      assert.equal(
        doc.paths[`${base}/{id}`].patch.requestBody.content['application/json'].schema.$ref,
        `#/components/schemas/${create.replace('Create', 'Patch')}`,
      );
      const list = doc.paths[base].get;
      const limit = list.parameters.find((p: { name: string }) => p.name === 'limit');
      assert.deepEqual([limit.in, limit.schema.minimum, limit.schema.maximum, limit.schema.default], ['query', 1, 500, 100]);
      assert.ok(list.parameters.some((p: { name: string }) => p.name === 'offset'));
      for (const op of [post, list, doc.paths[`${base}/{id}`].delete]) {
        assert.equal(op.servers[0].url, 'http://127.0.0.1:3001');
        assert.deepEqual(op.security, [{ adminBearer: [] }, { adminApiKey: [] }]);
      }
    }
    assert.deepEqual([...schemas.ModelCreate.required].sort(), ['display_name', 'model_name', 'provider', 'provider_key_id']);
    assert.equal(schemas.ModelPatch.required, undefined, 'a patch sends only what changes');
    assert.ok(schemas.ProviderKeyCreate.required.includes('secret'));
    assert.equal(schemas.ApiKeyCreate.properties.key_hash.pattern, '^[0-9a-fA-F]{64}$');
    assert.deepEqual(schemas.AwsAccessKeyCreate.required, ['api_key_id']);
    const usage = doc.paths['/admin/v1/usage'].get;
    const groupBy = usage.parameters.find((p: { name: string }) => p.name === 'group_by');
    assert.deepEqual(groupBy.schema.enum, ['key', 'model', 'provider', 'day']);
    assert.deepEqual(
      usage.parameters.map((p: { name: string }) => p.name),
      ['group_by', 'from', 'to'],
    );
    // Health, readiness and metrics share the admin port but need no key.
    assert.deepEqual(doc.paths['/healthz'].get.security, []);
  });

  it('documents only routes the listeners serve: every operation answers something other than "no such route"', async () => {
    const doc = JSON.parse(committed);
    const adminKey = 'rk-admin-openapi-check';
    const callerKey = 'openapi-caller';
    const gw = await startGateway(
      { server: { auth: 'keys', keys: [{ name: 'app', key_sha256: createHash('sha256').update(callerKey).digest('hex') }] } },
      { RANKWAY_ADMIN_KEY: adminKey },
    );
    const admin = adminClient(gw.adminUrl, adminKey);
    const proxy = adminClient(gw.url, callerKey);
    try {
      for (const [template, item] of Object.entries<Record<string, { servers?: unknown }>>(doc.paths)) {
        const path = template.replace(/\{id\}/g, 'nope').replace(/\{[^}]+\}/g, 'x');
        for (const [method, op] of Object.entries(item)) {
          const client = op.servers ? admin : proxy;
          // A body no route accepts: each must reject it (or find no resource), never miss the route.
          const body = method === 'post' || method === 'patch' ? { rpm: -1 } : undefined;
          const res = await client.call(method.toUpperCase(), path, body);
          const what = `${method.toUpperCase()} ${template} -> ${res.status} ${res.text.slice(0, 200)}`;
          assert.notEqual(res.headers.get('x-amzn-errortype'), 'UnknownOperationException', what);
          assert.notEqual(res.json?.error?.code, 'route_not_found', what);
          assert.ok(res.status !== 405 && res.status !== 401 && res.status < 500, what);
        }
      }
    } finally {
      await gw.close();
    }
  });
});
