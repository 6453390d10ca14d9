import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { StoredBatch, StoredFile } from '../../src/store/batches.js';
import type { ControlStore } from '../../src/store/repository.js';
import { PostgresControlStore } from '../../src/store/postgres/repository.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import { pgSchema } from '../helpers/services.js';

const backends: Array<{ name: string; open(): Promise<{ store: ControlStore; cleanup(): Promise<void> } | string> }> = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'rankway-batches-'));
      const store = new SqliteControlStore(openSqlite(dir));
      return {
        store,
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await pgSchema();
      if (typeof schema === 'string') return schema;
      const store = new PostgresControlStore(await openPostgres(schema.url));
      return {
        store,
        cleanup: async () => {
          await store.close();
          await schema.drop();
        },
      };
    },
  },
];

const file = (id: string, keyId = 'key-a', over: Partial<StoredFile> = {}): StoredFile => ({
  id,
  keyId,
  purpose: 'batch',
  filename: `${id}.jsonl`,
  bytes: 10,
  lines: 1,
  provider: 'bedrock',
  bucket: 'b',
  objectKey: `files/${id}.jsonl`,
  batchId: null,
  role: 'input',
  createdAt: 1_800_000_000,
  ...over,
});

const batch = (id: string, jobName: string): StoredBatch => ({
  id,
  keyId: 'key-a',
  model: 'claude',
  provider: 'bedrock',
  upstreamModel: 'anthropic.claude-3-haiku-20240307-v1:0',
  endpoint: '/v1/chat/completions',
  inputFileId: 'file-1',
  jobArn: `arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/${id}`,
  jobName,
  bucket: 'b',
  jobPrefix: `jobs/${jobName}`,
  completionWindow: '24h',
  metadata: { team: 'x' },
  requestCount: 3,
  createdAt: 1_800_000_000,
  outputFileId: null,
  errorFileId: null,
  usageRecorded: false,
});

for (const backend of backends) {
  describe(`batch job store (${backend.name})`, () => {
    it('maps file and batch ids to S3 keys and job ARNs, per key, newest first; result files and usage are claimed once', async (t) => {
      const opened = await backend.open();
      if (typeof opened === 'string') return t.skip(opened);
      const { store, cleanup } = opened;
      try {
        const s = store.batches;
        await s.createFile(file('file-1'));
        await s.createFile(file('file-2'));
        await s.createFile(file('file-3', 'key-b'));
        assert.deepEqual((await s.getFile('file-2'))?.objectKey, 'files/file-2.jsonl');
        assert.deepEqual(
          (await s.listFiles('key-a', { limit: 10 })).map((f) => f.id),
          ['file-2', 'file-1'],
        );
        assert.deepEqual(
          (await s.listFiles('key-a', { limit: 10, after: 'file-2' })).map((f) => f.id),
          ['file-1'],
        );
        assert.equal((await s.listFiles('key-a', { limit: 10, purpose: 'batch_output' })).length, 0);
        assert.equal(await s.deleteFile('file-1'), true);
        assert.equal(await s.deleteFile('file-1'), false);

        await s.createBatch(batch('batch_1', 'rankway-1'));
        await assert.rejects(s.createBatch(batch('batch_2', 'rankway-1')), 'job names are unique');
        const got = await s.getBatch('batch_1');
        assert.equal(got?.jobArn, 'arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/batch_1');
        assert.deepEqual(got?.metadata, { team: 'x' });
        assert.equal(await s.setResultFiles('batch_1', 'file-o', 'file-e'), true);
        assert.equal(await s.setResultFiles('batch_1', 'file-o2', 'file-e2'), false);
        assert.equal(await s.claimUsage('batch_1'), true);
        assert.equal(await s.claimUsage('batch_1'), false);
        const after = await s.getBatch('batch_1');
        assert.equal(after?.outputFileId, 'file-o');
        assert.equal(after?.usageRecorded, true);
        assert.deepEqual(
          (await s.listBatches('key-a', { limit: 5 })).map((b) => b.id),
          ['batch_1'],
        );
        assert.deepEqual(await s.listBatches('key-b', { limit: 5 }), []);
      } finally {
        await cleanup();
      }
    });
  });
}
