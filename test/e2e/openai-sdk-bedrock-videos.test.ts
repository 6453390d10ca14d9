import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  BedrockRuntimeClient,
  GetAsyncInvokeCommand,
  ListAsyncInvokesCommand,
  StartAsyncInvokeCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import OpenAI from 'openai';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockAsyncInvoke, type FakeAsyncInvoke } from '../helpers/fakes/bedrock-async.js';
import { startFakeS3, type FakeS3 } from '../helpers/fakes/s3.js';
import { sqliteRows, startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEYS = { accessKeyId: 'AKIDVIDEOTEST', secretAccessKey: 'video-test-secret' };
const CALLER = 'rk-video-caller';
const OTHER = 'rk-video-other';
const LIMITED = 'rk-video-limited';
const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('openai SDK and AWS SDK -> Rankway -> Bedrock async invoke (video) + S3', () => {
  let bedrock: FakeBedrock;
  let s3: FakeS3;
  let fakeAsync: FakeAsyncInvoke;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    s3 = await startFakeS3({ credentials: [KEYS], region: 'us-east-1' });
    fakeAsync = bedrockAsyncInvoke({ region: 'us-east-1', account: '123456789012', s3, pollsToFinish: 2 });
    bedrock = await startFakeBedrock({ region: 'us-east-1', credentials: [KEYS], routes: fakeAsync.routes });
    gw = await startGateway({
      server: {
        auth: 'keys',
        keys: [
          { name: 'app', key_sha256: sha256Hex(CALLER) },
          { name: 'other', key_sha256: sha256Hex(OTHER) },
          { name: 'limited', key_sha256: sha256Hex(LIMITED), allowed_models: ['luma'] },
        ],
      },
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-east-1',
          access_key_id: KEYS.accessKeyId,
          secret_access_key: KEYS.secretAccessKey,
          runtime_endpoint: bedrock.url,
          s3_endpoint: s3.url,
          video_output_s3_uri: 's3://rankway-videos/out',
        },
      ],
      models: [
        { name: 'nova-reel', target: 'bedrock/amazon.nova-reel-v1:1' },
        { name: 'luma', target: 'bedrock/luma.ray-v2:0' },
      ],
    });
    client = new OpenAI({ apiKey: CALLER, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
    await s3.close();
  });

  async function untilDone(id: string, c = client): Promise<OpenAI.Video> {
    for (let i = 0; i < 20; i++) {
      const v = await c.videos.retrieve(id);
      if (v.status === 'completed' || v.status === 'failed') return v;
      assert.equal(v.status, 'in_progress');
    }
    throw new Error('never finished');
  }

  it('openai.videos.create reaches completed and its content downloads from S3 (signed for s3)', async () => {
    const created = await client.videos.create({
      model: 'nova-reel' as any,
      prompt: 'A large red square that is rotating',
      seconds: '12' as any,
      size: '1280x720' as any,
    });
    assert.equal(created.status, 'in_progress');
    const start = bedrock.accepted.find((r) => r.method === 'POST')!;
    assert.equal(start.signedBy, KEYS.accessKeyId);
    assert.equal(start.json.modelId, 'amazon.nova-reel-v1:1');
    assert.deepEqual(start.json.modelInput, {
      taskType: 'MULTI_SHOT_AUTOMATED',
      multiShotAutomatedParams: { text: 'A large red square that is rotating' },
      videoGenerationConfig: { durationSeconds: 12, fps: 24, dimension: '1280x720' },
    });
    assert.deepEqual(start.json.outputDataConfig, { s3OutputDataConfig: { s3Uri: 's3://rankway-videos/out' } });
    const done = await untilDone(created.id);
    assert.equal(done.status, 'completed');
    assert.equal((done as any).upstream_status, 'Completed');
    const getPath = bedrock.accepted.find((r) => r.method === 'GET')!.path;
    assert.match(getPath, /^\/async-invoke\/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aasync-invoke%2F[a-f0-9]{12}$/);

    const content = await client.videos.downloadContent(created.id);
    const bytes = Buffer.from(await content.arrayBuffer());
    const arn = (done as any).upstream_id as string;
    const stored = s3.objects.get(`rankway-videos/out/${arn.slice(arn.lastIndexOf('/') + 1)}/output.mp4`)!;
    assert.ok(stored && bytes.equals(stored), 'the bytes S3 holds');
    assert.equal(content.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(s3.rejected, []);

    await gw.gateway.usage.flush();
    const rows = await sqliteRows(
      gw.dataDir,
      "SELECT * FROM usage_records WHERE surface = 'openai-videos' AND status = 200 AND cost_usd > 0",
    );
    assert.ok(
      rows.some((r) => Math.abs(r.cost_usd - 12 * 0.08) < 1e-9),
      `12 s of Nova Reel at $0.08: ${JSON.stringify(rows.map((r) => r.cost_usd))}`,
    );
  });

  it("Kong's Nova Reel example works with only the base URL changed (bare model id, literal extra_body fps)", async () => {
    const res = await fetch(`${gw.url}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CALLER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'amazon.nova-reel-v1:0', prompt: 'A large red square that is rotating', extra_body: { fps: 24 } }),
    });
    const body: any = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.object, 'video');
    const start = bedrock.accepted.filter((r) => r.method === 'POST').at(-1)!;
    assert.deepEqual(start.json.modelInput, {
      taskType: 'TEXT_VIDEO',
      textToVideoParams: { text: 'A large red square that is rotating' },
      videoGenerationConfig: { durationSeconds: 6, fps: 24, dimension: '1280x720' },
    });
  });

  it('a failed job reads failed with its message; content of an unfinished job is a 409; another key cannot see it', async () => {
    const created = await client.videos.create({ model: 'nova-reel' as any, prompt: 'FAIL-ME now' });
    const other = new OpenAI({ apiKey: OTHER, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(other.videos.retrieve(created.id), (e: any) => e.status === 404);
    await assert.rejects(client.videos.downloadContent(created.id), (e: any) => e.status === 409);
    const done = await untilDone(created.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.message, 'The video could not be generated');
  });

  it('refuses what the model cannot do before AWS is called; the allow-list applies', async () => {
    const before = bedrock.requests.length;
    await assert.rejects(
      client.videos.create({ model: 'nova-reel' as any, prompt: 'x', seconds: '4' }),
      (e: any) => e.status === 400 && /steps of 6/.test(e.message),
    );
    await assert.rejects(
      client.videos.create({ model: 'nova-reel' as any, prompt: 'x', size: '720x1280' }),
      (e: any) => e.status === 400 && e.error?.param === 'size',
    );
    await assert.rejects(
      client.videos.create({ model: 'luma' as any, prompt: 'x', seconds: '8' }),
      (e: any) => e.status === 400 && /5 or 9/.test(e.message),
    );
    const limited = new OpenAI({ apiKey: LIMITED, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(limited.videos.create({ model: 'nova-reel' as any, prompt: 'x' }), (e: any) => e.status === 403);
    assert.equal(bedrock.requests.length, before);
  });

  it("GET /v1/videos?model= lists the model's jobs", async () => {
    const res = await fetch(`${gw.url}/v1/videos?model=nova-reel&limit=50`, { headers: { authorization: `Bearer ${CALLER}` } });
    const body: any = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.ok(body.data.length >= 2);
    assert.ok(body.data.every((v: any) => v.object === 'video' && v.id.startsWith('video_')));
  });

  it('StartAsyncInvokeCommand / GetAsyncInvokeCommand / ListAsyncInvokesCommand work with only the endpoint changed', async () => {
    const sdk = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: gw.url,
      token: { token: CALLER },
      authSchemePreference: ['httpBearerAuth'],
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    const started = await sdk.send(
      new StartAsyncInvokeCommand({
        modelId: 'nova-reel',
        modelInput: {
          taskType: 'TEXT_VIDEO',
          textToVideoParams: { text: 'waves' },
          videoGenerationConfig: { durationSeconds: 6, fps: 24, dimension: '1280x720' },
        } as any,
        outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://caller-bucket/videos' } },
      }),
    );
    assert.match(started.invocationArn!, /^arn:aws:bedrock:us-east-1:123456789012:async-invoke\/[a-f0-9]{12}$/);
    const sent = bedrock.accepted.filter((r) => r.method === 'POST').at(-1)!;
    assert.equal(sent.json.modelId, 'amazon.nova-reel-v1:1', 'the alias became its target');
    assert.equal(sent.signedBy, KEYS.accessKeyId);
    const got = await sdk.send(new GetAsyncInvokeCommand({ invocationArn: started.invocationArn }));
    assert.equal(got.status, 'InProgress');
    assert.equal(got.outputDataConfig?.s3OutputDataConfig?.s3Uri?.startsWith('s3://caller-bucket/videos/'), true);
    assert.ok(got.submitTime instanceof Date);
    const listed = await sdk.send(new ListAsyncInvokesCommand({ maxResults: 100 }));
    assert.ok(listed.asyncInvokeSummaries!.some((s) => s.invocationArn === started.invocationArn));

    const limited = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: gw.url,
      token: { token: LIMITED },
      authSchemePreference: ['httpBearerAuth'],
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    await assert.rejects(
      limited.send(new GetAsyncInvokeCommand({ invocationArn: started.invocationArn })),
      (e: any) => e.$metadata?.httpStatusCode === 403,
    );
    const limitedList = await limited.send(new ListAsyncInvokesCommand({}));
    assert.equal(limitedList.asyncInvokeSummaries!.length, 0, 'no Nova Reel jobs for a key limited to luma');
  });
});
