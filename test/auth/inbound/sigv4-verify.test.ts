import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifySigV4 } from '../../../src/auth/inbound/sigv4-verify.js';
import { sigv4Auth } from '../../../src/auth/upstream/sigv4.js';
import type { OutboundRequest } from '../../../src/auth/upstream/types.js';

const KEY = { accessKeyId: 'AKIDVERIFYTEST', secretAccessKey: 'verify-secret' };
const keys = { find: (id: string) => (id === KEY.accessKeyId ? KEY : undefined) };

async function signed(path: string, body = '{"a":1}', service = 'bedrock'): Promise<OutboundRequest> {
  const request: OutboundRequest = {
    method: 'POST',
    origin: 'http://127.0.0.1:8080',
    path,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(body),
  };
  await sigv4Auth({ service, region: 'us-east-1', credentials: async () => KEY }).apply(request);
  return request;
}
const received = (r: OutboundRequest, overrides: Partial<{ body: Buffer; headers: Record<string, string> }> = {}) => ({
  method: r.method,
  path: r.path,
  headers: overrides.headers ?? r.headers,
  body: overrides.body ?? Buffer.from(r.body as Buffer),
});

describe('SigV4 verification', () => {
  it('accepts what the signer produced, query strings and encoded ARNs included', async () => {
    for (const path of [
      '/rerank',
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.x%3A0/invoke',
      '/list?b=2&a=one%20two',
    ]) {
      const r = await signed(path);
      const result = await verifySigV4(received(r), { keys, service: 'bedrock' });
      assert.deepEqual(result, { ok: true, accessKeyId: KEY.accessKeyId, region: 'us-east-1', service: 'bedrock' }, path);
    }
  });

  it('rejects a changed body, path or header, another service and stale dates', async () => {
    const r = await signed('/rerank');
    const bodyChanged = await verifySigV4(received(r, { body: Buffer.from('{"a":2}') }), { keys });
    assert.equal(bodyChanged.ok, false);
    assert.equal(!bodyChanged.ok && bodyChanged.code, 'InvalidSignatureException');
    assert.equal((await verifySigV4({ ...received(r), path: '/rerank2' }, { keys })).ok, false);
    assert.equal((await verifySigV4(received(r, { headers: { ...r.headers, 'content-type': 'text/plain' } }), { keys })).ok, false);
    const sts = await verifySigV4(received(await signed('/', '', 'sts')), { keys, service: 'bedrock' });
    assert.equal(!sts.ok && sts.code, 'InvalidSignatureException');
    const late = await verifySigV4(received(r), { keys, now: Date.now() + 20 * 60_000 });
    assert.equal(!late.ok && late.message.startsWith('Signature expired'), true);
  });

  it('names missing, malformed and unknown credentials like AWS does', async () => {
    const r = await signed('/rerank');
    const none = await verifySigV4(received(r, { headers: { host: 'x' } }), { keys });
    assert.equal(!none.ok && none.code, 'MissingAuthenticationTokenException');
    const partial = await verifySigV4(received(r, { headers: { ...r.headers, authorization: 'AWS4-HMAC-SHA256 Credential=AKID' } }), {
      keys,
    });
    assert.equal(!partial.ok && partial.code, 'IncompleteSignatureException');
    const unknown = await verifySigV4(received(r), { keys: { find: () => undefined } });
    assert.equal(!unknown.ok && unknown.code, 'UnrecognizedClientException');
  });

  it('accepts the :authority pseudo-header the SDK signs over HTTP/2', async () => {
    const r = await signed('/rerank');
    const { host, ...rest } = r.headers;
    // Re-sign as an h2 client would: `:authority` in place of `host`.
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { HttpRequest } = await import('@smithy/protocol-http');
    const { NodeSha256 } = await import('../../../src/auth/upstream/sha256.js');
    const signer = new SignatureV4({ service: 'bedrock', region: 'us-east-1', credentials: KEY, sha256: NodeSha256 });
    const h2 = await signer.sign(
      new HttpRequest({
        method: 'POST',
        path: '/rerank',
        headers: { ':authority': host, 'content-type': 'application/json' },
        body: '{"a":1}',
      }),
    );
    const result = await verifySigV4(
      { method: 'POST', path: '/rerank', headers: { ...rest, ...h2.headers }, body: Buffer.from('{"a":1}') },
      { keys },
    );
    assert.equal(result.ok, true);
  });
});
