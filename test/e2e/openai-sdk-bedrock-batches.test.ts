import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  BedrockClient,
  CreateModelInvocationJobCommand,
  GetModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  StopModelInvocationJobCommand,
} from '@aws-sdk/client-bedrock';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import OpenAI, { toFile } from 'openai';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockBatchJobs, type FakeBatchJobs } from '../helpers/fakes/bedrock-batch.js';
import { startFakeS3, type FakeS3 } from '../helpers/fakes/s3.js';
import { adminClient } from '../helpers/admin.js';
import { sqliteRows, startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEYS = { accessKeyId: 'AKIDBATCHTEST', secretAccessKey: 'batch-test-secret' };
const CALLER = 'rk-batch-caller';
const OTHER = 'rk-batch-other';
const LIMITED = 'rk-batch-limited';
const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

const chatLine = (i: number, text = `question ${i}`, model = 'claude-batch'): string =>
  JSON.stringify({
    custom_id: `req-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: text }], max_tokens: 64 },
  });
const jsonl = (lines: string[]): Buffer => Buffer.from(`${lines.join('\n')}\n`);

describe('openai SDK -> Rankway -> Bedrock batch inference (S3 + model invocation jobs)', () => {
  let bedrock: FakeBedrock;
  let s3: FakeS3;
  let jobs: FakeBatchJobs;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    s3 = await startFakeS3({ credentials: [KEYS], region: 'us-east-1' });
    jobs = bedrockBatchJobs({ region: 'us-east-1', account: '123456789012', s3, pollsToFinish: 2 });
    bedrock = await startFakeBedrock({ region: 'us-east-1', credentials: [KEYS], routes: jobs.routes });
    gw = await startGateway(
      {
        server: {
          auth: 'keys',
          keys: [
            { name: 'app', key_sha256: sha256Hex(CALLER) },
            { name: 'other', key_sha256: sha256Hex(OTHER) },
            { name: 'limited', key_sha256: sha256Hex(LIMITED), allowed_models: ['nova-batch'] },
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
            control_endpoint: bedrock.url,
            s3_endpoint: s3.url,
            batch_s3_uri: 's3://rankway-batches/work',
            batch_role_arn: 'arn:aws:iam::123456789012:role/BedrockBatch',
          },
        ],
        models: [
          { name: 'claude-batch', target: `bedrock/${HAIKU}` },
          { name: 'nova-batch', target: 'bedrock/amazon.nova-lite-v1:0' },
          { name: 'titan-embed', target: 'bedrock/amazon.titan-embed-text-v2:0' },
          { name: 'claude-unpriced', target: 'bedrock/anthropic.claude-instant-v1' },
        ],
      },
      { RANKWAY_ADMIN_KEY: 'rk-batch-admin' },
    );
    client = new OpenAI({ apiKey: CALLER, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
    await s3.close();
  });

  async function untilSettled(id: string): Promise<OpenAI.Batch> {
    for (let i = 0; i < 20; i++) {
      const b = await client.batches.retrieve(id);
      if (['completed', 'failed', 'cancelled', 'expired'].includes(b.status)) return b;
    }
    throw new Error('never settled');
  }

  it('a 1,000-line batch through files.create + batches.create completes with one output line per custom_id', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => chatLine(i));
    const file = await client.files.create({ file: await toFile(jsonl(lines), 'requests.jsonl'), purpose: 'batch' });
    assert.equal(file.object, 'file');
    assert.equal(file.purpose, 'batch');
    assert.equal(file.bytes, jsonl(lines).length);
    assert.ok(s3.objects.get(`rankway-batches/work/files/${file.id}.jsonl`)?.equals(jsonl(lines)), 'the upload is in S3');

    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { team: 'search' },
    });
    assert.equal(batch.status, 'validating');
    const create = bedrock.accepted.find((r) => r.method === 'POST' && r.path === '/model-invocation-job')!;
    assert.equal(create.signedBy, KEYS.accessKeyId);
    assert.equal(create.json.modelId, HAIKU);
    assert.equal(create.json.roleArn, 'arn:aws:iam::123456789012:role/BedrockBatch');
    assert.match(create.json.jobName, /^rankway-[a-z0-9]+$/);
    assert.equal(create.json.inputDataConfig.s3InputDataConfig.s3InputFormat, 'JSONL');
    const inputKey = create.json.inputDataConfig.s3InputDataConfig.s3Uri.replace('s3://', '');
    const records = s3.objects
      .get(inputKey)!
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(records.length, 1000);
    assert.deepEqual(records[7], {
      recordId: 'RW000000007',
      modelInput: {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 64,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'question 7' }] }],
      },
    });

    const done = await untilSettled(batch.id);
    assert.equal(done.status, 'completed');
    assert.equal((done as any).upstream_status, 'Completed');
    assert.equal(done.metadata?.team, 'search');
    assert.equal(done.metadata?.bedrock_status, 'Completed');
    assert.deepEqual(done.request_counts, { total: 1000, completed: 1000, failed: 0 });
    assert.ok(done.output_file_id && done.error_file_id);

    const out = (await (await client.files.content(done.output_file_id)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(out.length, 1000);
    assert.deepEqual(new Set(out.map((l) => l.custom_id)), new Set(lines.map((_, i) => `req-${i}`)));
    const one = out.find((l) => l.custom_id === 'req-42');
    assert.equal(one.response.status_code, 200);
    assert.equal(one.response.body.choices[0].message.content, 'echo: question 42');
    assert.equal(one.response.body.usage.prompt_tokens, 10);
    assert.equal((await (await client.files.content(done.error_file_id)).text()).trim(), '');

    // The manifest's tokens, billed at the batch rate (Claude 3 Haiku: $0.125 / $0.625 per M).
    await gw.gateway.usage.flush();
    const rows = await sqliteRows(gw.dataDir, "SELECT * FROM usage_records WHERE surface = 'openai-batches' AND input_tokens > 0");
    assert.equal(rows.length, 1, 'usage recorded once');
    assert.equal(rows[0].input_tokens, 10_000);
    assert.equal(rows[0].output_tokens, 5_000);
    assert.ok(Math.abs(rows[0].cost_usd - (10_000 * 0.125 + 5_000 * 0.625) / 1e6) < 1e-12, String(rows[0].cost_usd));
    // Reading it again records nothing more.
    await client.batches.retrieve(batch.id);
    await gw.gateway.usage.flush();
    assert.equal(
      (await sqliteRows(gw.dataDir, "SELECT * FROM usage_records WHERE surface = 'openai-batches' AND input_tokens > 0")).length,
      1,
    );

    const listed = await client.batches.list({ limit: 10 });
    assert.ok(listed.data.some((b) => b.id === batch.id));
    const files = await client.files.list();
    assert.ok(files.data.some((f) => f.id === file.id));
    assert.deepEqual(s3.rejected, []);
  });

  it('PartiallyCompleted stays distinguishable: failed records and missing records land in the error file', async () => {
    const lines = [chatLine(0), chatLine(1, 'FAIL-ME please'), chatLine(2, 'DROP-ME please'), chatLine(3)];
    const file = await client.files.create({ file: await toFile(jsonl(lines), 'partial.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const done = await untilSettled(batch.id);
    assert.equal(done.status, 'completed');
    assert.equal((done as any).upstream_status, 'PartiallyCompleted');
    assert.equal(done.metadata?.bedrock_status, 'PartiallyCompleted');
    const out = (await (await client.files.content(done.output_file_id!)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(out.map((l) => l.custom_id).sort(), ['req-0', 'req-3']);
    const errors = (await (await client.files.content(done.error_file_id!)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byId = Object.fromEntries(errors.map((e) => [e.custom_id, e]));
    assert.equal(byId['req-1'].response.status_code, 400);
    assert.equal(byId['req-1'].response.body.error.message, 'Malformed input request');
    assert.equal(byId['req-2'].response, null);
    assert.equal(byId['req-2'].error.code, 'record_missing');
  });

  it('failed and cancelled jobs map to failed and cancelled with the AWS word kept', async () => {
    const failing = await client.files.create({ file: await toFile(jsonl([chatLine(0, 'JOB-FAIL')]), 'f.jsonl'), purpose: 'batch' });
    const failed = await untilSettled(
      (await client.batches.create({ input_file_id: failing.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id,
    );
    assert.equal(failed.status, 'failed');
    assert.equal((failed as any).upstream_status, 'Failed');
    assert.match(failed.errors?.data?.[0]?.message ?? '', /internal error/);

    const file = await client.files.create({ file: await toFile(jsonl([chatLine(0)]), 'c.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const cancelling = await client.batches.cancel(batch.id);
    assert.equal(cancelling.status, 'cancelling');
    assert.equal((cancelling as any).upstream_status, 'Stopping');
    const stopped = await untilSettled(batch.id);
    assert.equal(stopped.status, 'cancelled');
    assert.equal((stopped as any).upstream_status, 'Stopped');
  });

  it('embeddings lines become Titan records; bad files and other keys get clear 4xx; the allow-list applies to the batch model', async () => {
    const embed = JSON.stringify({
      custom_id: 'e1',
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'titan-embed', input: 'hello' },
    });
    const file = await client.files.create({ file: await toFile(jsonl([embed]), 'e.jsonl'), purpose: 'batch' });
    const done = await untilSettled(
      (await client.batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' })).id,
    );
    const out = JSON.parse((await (await client.files.content(done.output_file_id!)).text()).trim());
    assert.deepEqual(out.response.body.data[0].embedding, [0.1, 0.2, 0.3]);

    await assert.rejects(
      client.files.create({ file: await toFile(Buffer.from(`${chatLine(0)}\nnot json\n`), 'bad.jsonl'), purpose: 'batch' }),
      (e: any) => e.status === 400 && /line 2/.test(e.message),
    );
    await assert.rejects(
      client.files.create({ file: await toFile(jsonl([chatLine(0), chatLine(0)]), 'dup.jsonl'), purpose: 'batch' }),
      (e: any) => e.status === 400 && /used twice/.test(e.message),
    );
    await assert.rejects(
      client.files.create({ file: await toFile(jsonl([chatLine(0)]), 'x.jsonl'), purpose: 'fine-tune' }),
      (e: any) => e.status === 400 && e.error?.param === 'purpose',
    );
    const other = new OpenAI({ apiKey: OTHER, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(other.files.retrieve(file.id), (e: any) => e.status === 404);
    await assert.rejects(other.batches.retrieve(done.id), (e: any) => e.status === 404);

    const limited = new OpenAI({ apiKey: LIMITED, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const limitedFile = await limited.files.create({ file: await toFile(jsonl([chatLine(0)]), 'l.jsonl'), purpose: 'batch' });
    const before = bedrock.requests.length;
    await assert.rejects(
      limited.batches.create({ input_file_id: limitedFile.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
      (e: any) => e.status === 403,
    );
    assert.equal(bedrock.requests.length, before, 'no job was created');

    const deleted = await client.files.delete(file.id);
    assert.equal(deleted.deleted, true);
    assert.equal(s3.objects.has(`rankway-batches/work/files/${file.id}.jsonl`), false);
    await assert.rejects(client.files.retrieve(file.id), (e: any) => e.status === 404);
  });

  it('a file larger than one part goes to S3 as a multipart upload (parts of 8 MiB, the last smaller)', async () => {
    const pad = 'x'.repeat(480);
    const lines = Array.from({ length: 20_000 }, (_, i) => chatLine(i, `${pad} ${i}`));
    const body = jsonl(lines);
    assert.ok(body.length > 8 * 1024 * 1024);
    const file = await client.files.create({ file: await toFile(body, 'big.jsonl'), purpose: 'batch' });
    const key = `rankway-batches/work/files/${file.id}.jsonl`;
    assert.deepEqual(s3.multipart.get(key), [8 * 1024 * 1024, body.length - 8 * 1024 * 1024]);
    assert.ok(s3.objects.get(key)!.equals(body));
    assert.equal(Buffer.from(await (await client.files.content(file.id)).arrayBuffer()).equals(body), true);
  });

  it('CreateModelInvocationJobCommand and friends from @aws-sdk/client-bedrock work with only the endpoint changed', async () => {
    const sdk = new BedrockClient({
      region: 'us-east-1',
      endpoint: gw.url,
      token: { token: CALLER },
      authSchemePreference: ['httpBearerAuth'],
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    s3.objects.set(
      'caller-bucket/in/records.jsonl',
      jsonl([
        JSON.stringify({
          recordId: 'CALL0000001',
          modelInput: { schemaVersion: 'messages-v1', messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
        }),
      ]),
    );
    const created = await sdk.send(
      new CreateModelInvocationJobCommand({
        jobName: 'my-native-job',
        roleArn: 'arn:aws:iam::123456789012:role/BedrockBatch',
        modelId: 'nova-batch',
        inputDataConfig: { s3InputDataConfig: { s3Uri: 's3://caller-bucket/in/records.jsonl', s3InputFormat: 'JSONL' } },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://caller-bucket/out/' } },
      }),
    );
    assert.match(created.jobArn!, /^arn:aws:bedrock:us-east-1:123456789012:model-invocation-job\/[a-f0-9]{12}$/);
    const sent = bedrock.accepted.filter((r) => r.path === '/model-invocation-job').at(-1)!;
    assert.equal(sent.json.modelId, 'amazon.nova-lite-v1:0', 'the alias became its target');
    assert.equal(sent.signedBy, KEYS.accessKeyId);
    const got = await sdk.send(new GetModelInvocationJobCommand({ jobIdentifier: created.jobArn }));
    assert.equal(got.status, 'InProgress');
    assert.equal(got.jobName, 'my-native-job');
    assert.ok(got.submitTime instanceof Date);
    const getPath = bedrock.accepted.filter((r) => r.method === 'GET').at(-1)!.path;
    assert.match(getPath, /^\/model-invocation-job\/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Amodel-invocation-job%2F[a-f0-9]{12}$/);
    const listed = await sdk.send(new ListModelInvocationJobsCommand({ maxResults: 100 }));
    assert.ok(listed.invocationJobSummaries!.some((j) => j.jobArn === created.jobArn));

    const limited = new BedrockClient({
      region: 'us-east-1',
      endpoint: gw.url,
      token: { token: LIMITED },
      authSchemePreference: ['httpBearerAuth'],
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    const limitedList = await limited.send(new ListModelInvocationJobsCommand({}));
    assert.ok(
      limitedList.invocationJobSummaries!.every((j) => j.modelId === 'amazon.nova-lite-v1:0'),
      'only jobs of models the key may use',
    );
    await assert.rejects(
      limited.send(
        new CreateModelInvocationJobCommand({
          jobName: 'not-allowed',
          roleArn: 'arn:aws:iam::123456789012:role/BedrockBatch',
          modelId: 'claude-batch',
          inputDataConfig: { s3InputDataConfig: { s3Uri: 's3://caller-bucket/in/records.jsonl' } },
          outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://caller-bucket/out/' } },
        }),
      ),
      (e: any) => e.$metadata?.httpStatusCode === 403,
    );
    await sdk.send(new StopModelInvocationJobCommand({ jobIdentifier: created.jobArn }));
    const stopped = await sdk.send(new GetModelInvocationJobCommand({ jobIdentifier: created.jobArn }));
    assert.equal(stopped.status, 'Stopping');
  });

  it('a batch of a model with no batch price is recorded as unpriced, and GET /admin/v1/usage says so', async () => {
    const file = await client.files.create({
      file: await toFile(jsonl([chatLine(0, 'hi', 'claude-unpriced')]), 'u.jsonl'),
      purpose: 'batch',
    });
    const done = await untilSettled(
      (await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id,
    );
    assert.equal(done.status, 'completed');
    await gw.gateway.usage.flush();
    const rows = await sqliteRows(gw.dataDir, "SELECT * FROM usage_records WHERE alias = 'claude-unpriced' AND input_tokens > 0");
    assert.equal(rows.length, 1);
    assert.equal(rows[0].unpriced, 1);
    assert.equal(rows[0].cost_usd, 0);
    const priced = await sqliteRows(gw.dataDir, "SELECT unpriced FROM usage_records WHERE alias = 'claude-batch' AND input_tokens > 0");
    assert.ok(priced.length > 0 && priced.every((r) => r.unpriced === 0));
    const usage = await adminClient(gw.adminUrl, 'rk-batch-admin').call('GET', '/admin/v1/usage?group_by=model');
    assert.equal(usage.status, 200);
    const row = usage.json.data.find((g: any) => g.model === 'claude-unpriced');
    assert.ok(row.unpriced_requests >= 1, JSON.stringify(row));
    assert.equal(usage.json.data.find((g: any) => g.model === 'claude-batch').unpriced_requests, 0);
  });
});
