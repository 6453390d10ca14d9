import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { sigv4Auth } from '../../src/auth/upstream/sigv4.js';
import type { OutboundRequest } from '../../src/auth/upstream/types.js';
import { nativeRerankBody } from '../helpers/bedrock-native.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockChatRoutes } from '../helpers/fakes/bedrock-chat.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const UPSTREAM_AWS = { accessKeyId: 'AKIDEDGEUPSTREAM', secretAccessKey: 'edge-upstream-secret' };
const ISSUED = { accessKeyId: 'AKIDEDGECALLER000', secretAccessKey: 'edge-caller-secret-key' };
const KEY = 'rk-edge-key';
const CONVERSE = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }] });

/** Sends a request with its path exactly as given (fetch and inject would normalise `..`). */
function rawPost(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('inbound edge cases', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [UPSTREAM_AWS], routes: bedrockChatRoutes() });
    gw = await startGateway({
      server: {
        auth: 'keys',
        keys: [{ name: 'edge', key_sha256: sha256Hex(KEY) }],
        aws_access_keys: [{ name: 'edge-signer', access_key_id: ISSUED.accessKeyId, secret_access_key: ISSUED.secretAccessKey }],
      },
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: UPSTREAM_AWS.accessKeyId,
          secret_access_key: UPSTREAM_AWS.secretAccessKey,
          runtime_endpoint: bedrock.url,
        },
      ],
      models: [{ name: 'chat', target: 'bedrock/anthropic.claude-3-haiku-20240307-v1:0' }],
    });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });

  /** Headers of a real SigV4 signature over `signedPath` by the issued key pair. */
  async function signedHeaders(signedPath: string, body: string): Promise<Record<string, string>> {
    const { host } = new URL(gw.url);
    const r: OutboundRequest = {
      method: 'POST',
      origin: `http://${host}`,
      path: signedPath,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(body),
    };
    await sigv4Auth({ service: 'bedrock', region: 'us-west-2', credentials: async () => ISSUED }).apply(r);
    return r.headers as Record<string, string>;
  }

  it('a SigV4-signed request whose query has bad percent-encoding is a 400 in the AWS envelope (regression: 500 URIError)', async () => {
    const body = JSON.stringify(nativeRerankBody());
    for (const query of ['a=%zz', '%E0%A4%A=1', 'a=%', 'x=%C0%AF']) {
      const res = await rawPost(gw.url, `/rerank?${query}`, body, await signedHeaders('/rerank', body));
      assert.equal(res.status, 400, `${query}: ${res.body}`);
      assert.equal(res.headers['x-amzn-errortype'], 'ValidationException');
      assert.match(JSON.parse(res.body).message, /percent-encoding/);
    }
    // The same signature machinery still accepts a well-formed query it signed.
    const ok = await rawPost(
      gw.url,
      '/model/chat/converse?trace=a%20b',
      CONVERSE,
      await signedHeaders('/model/chat/converse?trace=a%20b', CONVERSE),
    );
    assert.equal(ok.status, 200, ok.body);
  });

  it('model ids in the path with dot segments, empty segments or encoded slashes walking up are a 400, never sent upstream', async () => {
    const sent = bedrock.requests.length;
    for (const path of [
      '/model/../converse',
      '/model/%2e%2e/converse',
      '/model/a%2F..%2Fb/invoke',
      '/model/.%2Fx/invoke',
      '/model/a%2F%2Fb/converse',
      '/model/%2E/converse',
      '/model/a%5C..%5Cb/invoke',
    ]) {
      const res = await rawPost(gw.url, path, CONVERSE, { authorization: `Bearer ${KEY}` });
      assert.equal(res.status, 400, `${path}: ${res.body}`);
      assert.equal(res.headers['x-amzn-errortype'], 'ValidationException', path);
    }
    assert.equal(bedrock.requests.length, sent, 'nothing reached the upstream');
    // ARNs keep their encoded slashes.
    const arn = encodeURIComponent('arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0');
    const ok = await rawPost(gw.url, `/model/${arn}/converse`, CONVERSE, { authorization: `Bearer ${KEY}` });
    assert.equal(ok.status, 200, ok.body);
  });

  it('the passthrough answers AWS-shaped 4xx for ids AWS cannot take and operations it does not have (found by the fuzz as 502s)', async () => {
    const bearer = { authorization: `Bearer ${KEY}` };
    const odd = await rawPost(gw.url, `/model/${encodeURIComponent('anthropic.claude é')}/converse`, CONVERSE, bearer);
    assert.equal(odd.status, 400, odd.body);
    assert.equal(odd.headers['x-amzn-errortype'], 'ValidationException');
    const sent = bedrock.requests.length;
    const unknownOp = await rawPost(gw.url, '/model/chat/no-such-operation', CONVERSE, bearer);
    assert.equal(bedrock.requests.length, sent + 1, 'unknown operations are still passed through');
    assert.equal(unknownOp.status, 404, unknownOp.body);
    assert.equal(unknownOp.headers['x-amzn-errortype'], 'UnknownOperationException');
    const longId = await rawPost(gw.url, `/model/${'a'.repeat(3000)}/converse`, CONVERSE, bearer);
    assert.equal(longId.status, 400, longId.body);
    assert.equal(longId.headers['x-amzn-errortype'], 'ValidationException');
    assert.match(String(longId.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('an unsafe x-request-id is replaced by a generated one, a safe one is kept', async () => {
    const get = async (id: string) => {
      const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}`, 'x-request-id': id } });
      await res.arrayBuffer();
      return res.headers.get('x-request-id');
    };
    assert.equal(await get('trace-123:a.b_c'), 'trace-123:a.b_c');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const bad of ['x'.repeat(129), 'a'.repeat(10_000), 'has space', 'quote"d', '<script>', 'semi;colon', 'ümlaut']) {
      const echoed = await get(bad);
      assert.match(echoed ?? '', uuid, `${bad.slice(0, 20)} was echoed`);
    }
    assert.equal(await get('x'.repeat(128)), 'x'.repeat(128), '128 characters is still fine');
  });
});
