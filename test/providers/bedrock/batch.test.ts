import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelInvocationJobStatus } from '@aws-sdk/client-bedrock';
import { JOB_STATUS, jobOf, jobPath, parseManifest } from '../../../src/providers/bedrock/batch-jobs.js';
import { batchRecordLine, indexOfRecordId, readOutputRecord, recordIdOf } from '../../../src/providers/bedrock/batch-records.js';
import { parseListObjects } from '../../../src/providers/bedrock/s3.js';

const chat = (text: string) => ({
  kind: 'chat' as const,
  request: {
    model: 'm',
    messages: [
      { role: 'system' as const, content: 'be brief' },
      { role: 'user' as const, content: text },
    ],
    stream: false,
    includeUsage: false,
    temperature: 0.2,
    extra: {},
  },
});

describe('Bedrock batch translators', () => {
  it('maps every ModelInvocationJobStatus the SDK knows, keeping the AWS word', () => {
    for (const status of Object.values(ModelInvocationJobStatus)) {
      assert.ok(JOB_STATUS[status], `no mapping for ${status}`);
      const job = jobOf({ jobArn: 'arn:aws:bedrock:us-east-1:1:model-invocation-job/x', status });
      assert.equal(job.upstreamStatus, status);
    }
    assert.equal(JOB_STATUS.PartiallyCompleted, 'completed');
    assert.equal(JOB_STATUS.Stopped, 'cancelled');
    assert.equal(JOB_STATUS.Expired, 'expired');
    assert.throws(
      () => jobOf({ jobArn: 'a', status: 'Exploded' }),
      (e: any) => /unknown model invocation job status/.test(e.detail),
    );
  });

  it('encodes the job ARN as one path label', () => {
    assert.equal(
      jobPath('arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc'),
      '/model-invocation-job/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Amodel-invocation-job%2Fabc',
    );
  });

  it('record ids are 11 alphanumerics that give the line back', () => {
    assert.equal(recordIdOf(42), 'RW000000042');
    assert.match(recordIdOf(999_999_999), /^[A-Za-z0-9]{11}$/);
    assert.equal(indexOfRecordId('RW000000042'), 42);
    assert.equal(indexOfRecordId('3223593EFGH'), undefined);
  });

  it('builds each family its own InvokeModel body and reads its output back', () => {
    assert.deepEqual(JSON.parse(batchRecordLine(0, chat('hi'), 'us.anthropic.claude-3-haiku-20240307-v1:0')), {
      recordId: 'RW000000000',
      modelInput: {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 4096,
        system: 'be brief',
        temperature: 0.2,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      },
    });
    assert.deepEqual(JSON.parse(batchRecordLine(1, chat('hi'), 'amazon.nova-lite-v1:0')).modelInput, {
      schemaVersion: 'messages-v1',
      system: [{ text: 'be brief' }],
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      inferenceConfig: { temperature: 0.2 },
    });
    assert.throws(() => batchRecordLine(0, chat('hi'), 'meta.llama3-1-8b-instruct-v1:0'), /cannot be batched/);
    const read = readOutputRecord(
      {
        recordId: 'RW000000000',
        modelOutput: { content: [{ type: 'text', text: 'yo' }], stop_reason: 'max_tokens', usage: { input_tokens: 3, output_tokens: 1 } },
      },
      'anthropic.claude-3-haiku-20240307-v1:0',
      () => chat('hi'),
    );
    assert.deepEqual(read, {
      index: 0,
      result: {
        kind: 'chat',
        result: { content: 'yo', finishReason: 'length', usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 } },
      },
    });
    const failed = readOutputRecord(
      { recordId: 'RW000000001', error: { errorCode: 400, errorMessage: 'bad request' } },
      'anthropic.x',
      () => chat('x'),
    );
    assert.deepEqual(failed, { index: 1, result: { kind: 'error', status: 400, message: 'bad request' } });
  });

  it('reads the manifest and ListObjectsV2 pages', () => {
    const m = parseManifest(
      Buffer.from(
        '{"totalRecordCount":3,"processedRecordCount":3,"successRecordCount":2,"errorRecordCount":1,"inputTokenCount":30,"outputTokenCount":12}',
      ),
    );
    assert.deepEqual(m, { inputTokens: 30, outputTokens: 12, records: { total: 3, processed: 3, success: 2, error: 1 } });
    const page = parseListObjects({
      status: 200,
      headers: {},
      body: Buffer.from(
        '<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;1</NextContinuationToken><Contents><Key>a/b&amp;c.jsonl.out</Key></Contents></ListBucketResult>',
      ),
    });
    assert.deepEqual(page, { keys: ['a/b&c.jsonl.out'], next: 't&1' });
  });
});
