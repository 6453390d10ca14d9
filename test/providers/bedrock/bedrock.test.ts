import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../../src/config/load.js';
import type { ConfigError } from '../../../src/config/interpolate.js';
import { awsErrorCode, parseBedrockError } from '../../../src/providers/bedrock/errors.js';
import { bareModelId, foundationModelArn, RERANK_MODEL_ARN_RE } from '../../../src/providers/bedrock/model-ids.js';

const provider = (extra: Record<string, unknown>) =>
  buildConfig({ providers: [{ name: 'b', type: 'bedrock', ...extra }] }, { env: {} }).providers.get('b')!;
const reply = (status: number, headers: Record<string, string>, body: unknown) => ({
  status,
  headers,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

describe('bedrock provider config', () => {
  it('needs a region and rejects half a key pair or a stray session token', () => {
    assert.throws(
      () => provider({}),
      (e: ConfigError) => /providers\[0\]\.region/.test(e.message),
    );
    assert.throws(
      () => provider({ region: 'us-west-2', access_key_id: 'AKID' }),
      (e: ConfigError) => /secret_access_key: access_key_id and secret_access_key go together/.test(e.message),
    );
    assert.throws(() => provider({ region: 'us-west-2', session_token: 't' }), /session_token/);
    assert.throws(() => provider({ region: 'us-west-2', role_arn: 'my-role' }), /role_arn: must be an IAM role ARN/);
    assert.throws(() => provider({ region: 'Oregon' }), /must be an AWS region/);
  });

  it('defaults both endpoints from the region, including the China partition', () => {
    assert.deepEqual(provider({ region: 'us-west-2' }).adapter.endpoints, {
      default: 'https://bedrock-runtime.us-west-2.amazonaws.com',
      runtime: 'https://bedrock-runtime.us-west-2.amazonaws.com',
      'agent-runtime': 'https://bedrock-agent-runtime.us-west-2.amazonaws.com',
      s3: 'https://s3.us-west-2.amazonaws.com',
      control: 'https://bedrock.us-west-2.amazonaws.com',
    });
    assert.equal(provider({ region: 'cn-north-1' }).adapter.endpoints.control, 'https://bedrock.cn-north-1.amazonaws.com.cn');
    assert.equal(
      provider({ region: 'cn-north-1' }).adapter.endpoints['agent-runtime'],
      'https://bedrock-agent-runtime.cn-north-1.amazonaws.com.cn',
    );
    assert.equal(provider({ region: 'cn-north-1' }).adapter.endpoints.s3, 'https://s3.cn-north-1.amazonaws.com.cn');
    assert.equal(
      provider({ region: 'us-west-2', agent_runtime_endpoint: 'http://127.0.0.1:9/' }).adapter.endpoints['agent-runtime'],
      'http://127.0.0.1:9',
    );
  });

  it('signs with SigV4 unless only a Bedrock API key is given', () => {
    const signed = provider({
      region: 'us-west-2',
      access_key_id: 'AKID',
      secret_access_key: 's',
      role_arn: 'arn:aws:iam::123456789012:role/r',
    }).adapter.auth;
    assert.equal(signed.scheme, 'sigv4');
    assert.ok(
      signed.scheme === 'sigv4' && signed.service === 'bedrock' && signed.credentials.roleArn === 'arn:aws:iam::123456789012:role/r',
    );
    assert.deepEqual(provider({ region: 'us-west-2', api_key: 'k' }).adapter.auth, { scheme: 'bearer', token: 'k' });
    assert.equal(provider({ region: 'us-west-2' }).adapter.auth.scheme, 'sigv4', 'no keys = the default chain');
  });
});

describe('bedrock model ids', () => {
  it('builds foundation-model ARNs in the region partition and keeps ARNs', () => {
    assert.equal(
      foundationModelArn('cohere.rerank-v3-5:0', 'us-west-2'),
      'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0',
    );
    assert.equal(
      foundationModelArn('amazon.rerank-v1:0', 'cn-north-1'),
      'arn:aws-cn:bedrock:cn-north-1::foundation-model/amazon.rerank-v1:0',
    );
    assert.equal(
      foundationModelArn('amazon.rerank-v1:0', 'us-gov-west-1'),
      'arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.rerank-v1:0',
    );
    const arn = 'arn:aws:bedrock:eu-central-1::foundation-model/amazon.rerank-v1:0';
    assert.equal(foundationModelArn(arn, 'us-west-2'), arn);
    assert.equal(bareModelId(arn), 'amazon.rerank-v1:0');
    assert.ok(RERANK_MODEL_ARN_RE.test(arn) && RERANK_MODEL_ARN_RE.test('cohere.rerank-v3-5:0'));
    assert.ok(!RERANK_MODEL_ARN_RE.test('arn:aws:bedrock:us-west-2::foundation-model/Cohere Rerank'));
  });
});

describe('bedrock errors', () => {
  it('reads the exception name the way AWS SDKs do', () => {
    assert.equal(
      awsErrorCode({ 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, {}),
      'ValidationException',
    );
    assert.equal(awsErrorCode({}, { __type: 'com.amazon.bedrock#ThrottlingException' }), 'ThrottlingException');
    assert.equal(awsErrorCode({}, { code: 'AccessDeniedException' }), 'AccessDeniedException');
    assert.equal(awsErrorCode({}, { message: 'x' }), undefined);
  });

  it('classifies by exception name, keeps it, and keeps AWS text for the log only', () => {
    const cases: Array<[number, string, string, string]> = [
      [429, 'ThrottlingException', 'rate_limit', 'upstream_rate_limited'],
      [400, 'ValidationException', 'caller_fault', 'upstream_rejected_request'],
      [403, 'AccessDeniedException', 'credential', 'upstream_auth_failed'],
      [403, 'UnrecognizedClientException', 'credential', 'upstream_auth_failed'],
      [404, 'ResourceNotFoundException', 'model_access', 'upstream_model_access'],
      [429, 'ModelNotReadyException', 'transient', 'upstream_unavailable'],
      [500, 'InternalServerException', 'transient', 'upstream_unavailable'],
      [503, 'ServiceUnavailableException', 'transient', 'upstream_unavailable'],
    ];
    for (const [status, type, failure, code] of cases) {
      const err = parseBedrockError(
        reply(status, { 'x-amzn-errortype': type }, { message: 'account 123456789012 role arn:aws:iam::123456789012:role/x in us-east-1' }),
      );
      assert.equal(err.failure, failure, type);
      assert.equal(err.code, code, type);
      assert.equal(err.upstreamCode, type);
      assert.ok(!err.message.includes('123456789012') && !err.message.includes('us-east-1'), type);
      assert.match(err.detail!, /123456789012/, 'the log keeps the full text');
    }
    const unnamed = parseBedrockError(reply(502, {}, 'upstream proxy error'));
    assert.equal(unnamed.failure, 'transient');
    assert.equal(unnamed.upstreamCode, undefined);
  });
});

describe('bedrock-related config', () => {
  it('rejects an ARN claimed by two models and a duplicated AWS access key id', () => {
    assert.throws(
      () =>
        buildConfig(
          {
            models: [
              { name: 'a', target: 'local/bm25', arns: ['cohere.rerank-v3-5:0'] },
              { name: 'b', target: 'local/bm25', arns: ['cohere.rerank-v3-5:0'] },
            ],
          },
          { env: {} },
        ),
      /models\[1\]\.arns\[0\]: "cohere.rerank-v3-5:0" is already claimed by model "a"/,
    );
    const key = { name: 'k', access_key_id: 'RWAKIDDUPLICATE01', secret_access_key: 'a-long-enough-secret' };
    assert.throws(
      () => buildConfig({ server: { aws_access_keys: [key, { ...key, name: 'k2' }] } }, { env: {} }),
      /aws_access_keys\[1\]\.access_key_id/,
    );
    assert.throws(
      () => buildConfig({ server: { aws_access_keys: [{ ...key, access_key_id: 'lower' }] } }, { env: {} }),
      /access_key_id: must be 16-128/,
    );
  });
});
