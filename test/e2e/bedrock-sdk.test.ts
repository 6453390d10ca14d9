import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  AccessDeniedException,
  BedrockAgentRuntimeClient,
  RerankCommand,
  ValidationException,
  type RerankCommandInput,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockRerankRoutes } from '../helpers/fakes/bedrock-rerank.js';
import { EXERCISE_INDICES, nativeRerankBody } from '../helpers/bedrock-native.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const run = promisify(execFile);
const UPSTREAM = { accessKeyId: 'AKIDE2EUPSTREAM', secretAccessKey: 'e2e-upstream-secret' };
const CALLER = { accessKeyId: 'RWAKIDE2ECALLER01', secretAccessKey: 'rankway-e2e-caller-secret' };
const PY_ENV = {
  ...process.env,
  AWS_CONFIG_FILE: '/nonexistent/rankway',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/rankway',
  AWS_EC2_METADATA_DISABLED: 'true',
};

function hasBoto3(): string | undefined {
  try {
    execFileSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'python3 with boto3 is not installed';
  }
}

describe('official AWS clients against the native Bedrock API', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;
  const input = nativeRerankBody({ numberOfResults: 3 }) as RerankCommandInput;

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [UPSTREAM], routes: bedrockRerankRoutes('us-west-2') });
    gw = await startGateway({
      server: {
        auth: 'keys',
        aws_access_keys: [{ name: 'sdk', access_key_id: CALLER.accessKeyId, secret_access_key: CALLER.secretAccessKey }],
      },
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: UPSTREAM.accessKeyId,
          secret_access_key: UPSTREAM.secretAccessKey,
          agent_runtime_endpoint: bedrock.url,
          runtime_endpoint: bedrock.url,
        },
      ],
      // Pair cache off so every SDK call really reaches the (fake) Bedrock upstream.
      models: [{ name: 'bedrock-rerank', target: 'bedrock/cohere.rerank-v3-5:0', arns: ['cohere.rerank-v3-5:0'], cache: 'off' }],
    });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });

  const client = (options: { http1?: boolean; secret?: string } = {}) =>
    new BedrockAgentRuntimeClient({
      region: 'us-west-2',
      endpoint: gw.url,
      credentials: { accessKeyId: CALLER.accessKeyId, secretAccessKey: options.secret ?? CALLER.secretAccessKey },
      maxAttempts: 1,
      ...(options.http1 ? { requestHandler: new NodeHttpHandler() } : {}),
    });

  for (const http1 of [false, true]) {
    const label = http1 ? 'HTTP/1.1 (NodeHttpHandler)' : 'its default HTTP/2 handler';
    it(`RerankCommand works over ${label}, signed with a Rankway-issued key`, async () => {
      const c = client({ http1 });
      try {
        bedrock.accepted.length = 0;
        const out = await c.send(new RerankCommand(input));
        assert.equal(out.results?.length, 3);
        assert.deepEqual(out.results!.map((r) => r.index).sort(), EXERCISE_INDICES);
        assert.ok(out.results!.every((r) => typeof r.relevanceScore === 'number'));
        assert.equal(bedrock.accepted.length, 1, 'served by the (fake) Bedrock upstream, signed by Rankway');
        assert.equal(bedrock.accepted[0].signedBy, UPSTREAM.accessKeyId);
      } finally {
        c.destroy();
      }
    });

    it(`a wrong secret gets AccessDeniedException over ${label}`, async () => {
      const c = client({ http1, secret: 'not-the-right-secret-at-all' });
      try {
        await assert.rejects(c.send(new RerankCommand(input)), (err: unknown) => {
          assert.ok(err instanceof AccessDeniedException, String(err));
          assert.equal(err.$metadata.httpStatusCode, 403);
          assert.match(err.message, /signature/);
          return true;
        });
      } finally {
        c.destroy();
      }
    });
  }

  it('numberOfResults above the sources raises ValidationException in the SDK', async () => {
    const c = client();
    try {
      await assert.rejects(
        c.send(new RerankCommand(nativeRerankBody({ numberOfResults: 9 }) as RerankCommandInput)),
        (err: unknown) => err instanceof ValidationException,
      );
    } finally {
      c.destroy();
    }
  });

  it('boto3 bedrock-agent-runtime rerank works, and a wrong key raises AccessDeniedException', { skip: hasBoto3() }, async () => {
    const script = `
import json, sys, boto3, botocore.exceptions
def client(secret):
    return boto3.client('bedrock-agent-runtime', region_name='us-west-2', endpoint_url=sys.argv[1],
        aws_access_key_id=sys.argv[2], aws_secret_access_key=secret)
body = json.loads(sys.argv[4])
out = client(sys.argv[3]).rerank(**body)
print(json.dumps([[r['index'], r['relevanceScore']] for r in out['results']]))
try:
    client('wrong-secret-value-000').rerank(**body)
    print('no error')
except botocore.exceptions.ClientError as e:
    print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])
`;
    const { stdout } = await run('python3', ['-c', script, gw.url, CALLER.accessKeyId, CALLER.secretAccessKey, JSON.stringify(input)], {
      env: PY_ENV,
      timeout: 60_000,
    });
    const [results, error] = stdout.trim().split('\n');
    const ranked = JSON.parse(results) as Array<[number, number]>;
    assert.deepEqual(ranked.map(([i]) => i).sort(), EXERCISE_INDICES);
    assert.equal(error, 'AccessDeniedException 403');
  });

  it("the issue's Python script prints the three exercise documents first", {
    skip: hasBoto3() === undefined ? undefined : 'python3 is not installed',
  }, async () => {
    const open = await startGateway({
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: UPSTREAM.accessKeyId,
          secret_access_key: UPSTREAM.secretAccessKey,
          agent_runtime_endpoint: bedrock.url,
        },
      ],
    });
    try {
      const { stdout } = await run('python3', [join(import.meta.dirname, '../fixtures/bedrock/rerank_example.py')], {
        env: { ...PY_ENV, RERANK_URL: `${open.url}/rerank` },
        timeout: 60_000,
      });
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
      assert.equal(lines.length, 3);
      assert.deepEqual(lines.map(([i]) => Number(i)).sort(), EXERCISE_INDICES);
      assert.ok(lines.every(([, score]) => Number.isFinite(Number(score))));
    } finally {
      await open.close();
    }
  });
});

function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed (needed to make a test certificate)';
  }
}

describe('HTTP/2 and HTTP/1.1 over TLS on one port', { skip: opensslMissing() }, () => {
  let dir: string;
  let gw: RunningGateway;
  let ca: string;
  let port: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rankway-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    gw = await startGateway({
      server: { tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } },
      models: [{ name: 'bm25', target: 'local/bm25', arns: ['cohere.rerank-v3-5:0'] }],
    });
    port = Number(new URL(gw.url).port);
  });
  after(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates h2 by ALPN', async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': '/rerank', 'content-type': 'application/json' });
        let status = 0;
        let body = '';
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
        req.end(JSON.stringify(nativeRerankBody({ numberOfResults: 3 })));
      });
      assert.equal(status, 200, body);
      assert.deepEqual(
        JSON.parse(body)
          .results.map((r: any) => r.index)
          .sort(),
        EXERCISE_INDICES,
      );
      assert.equal(session.alpnProtocol, 'h2');
    } finally {
      session.close();
    }
  });

  it('still serves HTTP/1.1 clients', async () => {
    const { status, version } = await new Promise<{ status: number; version: string }>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path: '/rerank', method: 'POST', ca, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.httpVersion }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(nativeRerankBody()));
    });
    assert.equal(status, 200);
    assert.equal(version, '1.1');
  });
});
