import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sigv4Auth } from '../../../src/auth/upstream/sigv4.js';
import { encodeModelIdForPath } from '../../../src/providers/bedrock/runtime-path.js';
import type { OutboundRequest } from '../../../src/auth/upstream/types.js';
import { HttpClient } from '../../../src/transport/http-client.js';
import { sendJson } from '../../helpers/fake-server.js';
import { startFakeBedrock, type FakeBedrock } from '../../helpers/fakes/bedrock.js';

const STATIC = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SESSION = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'temp-secret', sessionToken: 'FwoGZXIvYXdzEXAMPLE//token==' };

describe('SigV4 upstream signing', () => {
  let fake: FakeBedrock;
  const http = new HttpClient();
  before(async () => {
    fake = await startFakeBedrock({
      region: 'us-west-2',
      credentials: [STATIC, SESSION],
      routes: [
        {
          method: 'POST',
          pattern: /^\/model\/([^/]+)\/invoke$/,
          handle: (req, res, m) => sendJson(res, 200, { model: decodeURIComponent(m[1]), by: req.signedBy }),
        },
      ],
    });
  });
  after(async () => {
    await fake.close();
    await http.close();
  });

  async function send(creds: typeof STATIC & { sessionToken?: string }, modelId: string, region = 'us-west-2') {
    const auth = sigv4Auth({ service: 'bedrock', region, credentials: async () => creds });
    const request: OutboundRequest = {
      method: 'POST',
      origin: fake.url,
      path: `/model/${encodeModelIdForPath(modelId)}/invoke`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: Buffer.from('{"query":"q","documents":["a"]}'),
    };
    await auth.apply(request);
    return { request, reply: await http.send({ ...request, method: 'POST', timeoutMs: 5000 }) };
  }

  it('encodes model ids and ARNs as one path segment like the AWS SDKs', () => {
    assert.equal(encodeModelIdForPath('cohere.rerank-v3-5:0'), 'cohere.rerank-v3-5%3A0');
    assert.equal(
      encodeModelIdForPath('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0'),
      'arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20241022-v2%3A0',
    );
    assert.equal(encodeModelIdForPath("a!b'(c)*"), 'a%21b%27%28c%29%2A');
  });

  it('signs a path with an encoded ARN so the fake accepts it', async () => {
    const arn = 'arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.cohere.rerank-v3-5:0';
    const { request, reply } = await send(STATIC, arn);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.deepEqual(JSON.parse(reply.body.toString()), { model: arn, by: 'AKIDEXAMPLE' });
    assert.match(
      request.headers.authorization,
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    assert.equal(fake.requests.at(-1)!.path, `/model/${encodeModelIdForPath(arn)}/invoke`, 'the path goes out exactly as signed');
  });

  it('signs the session token of temporary credentials', async () => {
    const { reply, request } = await send(SESSION, 'cohere.rerank-v3-5:0');
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(request.headers['x-amz-security-token'], SESSION.sessionToken);
    assert.match(request.headers.authorization, /SignedHeaders=[^,]*x-amz-security-token/);
  });

  it('is rejected with the AWS error shape when the secret, token or region is wrong', async () => {
    const bad = await send({ ...STATIC, secretAccessKey: 'wrong' }, 'cohere.rerank-v3-5:0');
    assert.equal(bad.reply.status, 403);
    assert.match(String(bad.reply.headers['x-amzn-errortype']), /^InvalidSignatureException/);
    assert.match(JSON.parse(bad.reply.body.toString()).message, /signature we calculated does not match/);

    const noToken = await send({ accessKeyId: SESSION.accessKeyId, secretAccessKey: SESSION.secretAccessKey }, 'cohere.rerank-v3-5:0');
    assert.equal(noToken.reply.status, 403);
    assert.match(String(noToken.reply.headers['x-amzn-errortype']), /^UnrecognizedClientException/);

    const unknown = await send({ accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' }, 'cohere.rerank-v3-5:0');
    assert.match(String(unknown.reply.headers['x-amzn-errortype']), /^UnrecognizedClientException/);

    const region = await send(STATIC, 'cohere.rerank-v3-5:0', 'eu-west-1');
    assert.equal(region.reply.status, 403);
    assert.match(String(region.reply.headers['x-amzn-errortype']), /^InvalidSignatureException/);
  });
});
