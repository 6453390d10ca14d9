import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockChatRoutes } from '../helpers/fakes/bedrock-chat.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { startRankway, type RankwayProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/wait-for.js';
import { adminClient } from '../helpers/admin.js';

const AWS = { accessKeyId: 'AKIDDONEWHEN', secretAccessKey: 'done-when-bedrock-secret' };
const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

/**
 * The README's "Control plane" sequences, step by step, against a started Rankway process on
 * its embedded SQLite store (Cohere and Bedrock endpoints are local fakes via `api_base`).
 */
describe('control plane: the README sequence', () => {
  let cohere: FakeServer;
  let bedrock: FakeBedrock;
  let rankway: RankwayProcess;
  let dataDir: string;
  const ADMIN = 'rk-admin-readme';

  before(async () => {
    cohere = await startFakeCohere({ apiKey: 'co-live-key' });
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [AWS], routes: bedrockChatRoutes() });
    dataDir = mkdtempSync(join(tmpdir(), 'rankway-readme-'));
    rankway = await startRankway({
      RANKWAY_ADMIN_KEY: ADMIN,
      RANKWAY_DATA_DIR: dataDir,
      RANKWAY_CONFIG: '',
      DATABASE_URL: '',
      REDIS_URL: '',
    });
  });
  after(async () => {
    await rankway.stop();
    await cohere.close();
    await bedrock.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const admin = (method: string, path: string, body?: unknown) => adminClient(rankway.adminUrl, ADMIN).call(method, path, body);

  /** The usage report once it counts `requests` requests for `model` (records land within a second). */
  const usageOf = (model: string, requests: number) =>
    waitFor(
      async () => {
        const usage = await admin('GET', '/admin/v1/usage?group_by=model');
        return usage.json.data?.find((g: any) => g.model === model)?.requests >= requests ? usage : undefined;
      },
      { message: `${requests} requests of ${model} in the usage report` },
    );

  it("the issue's sequence: Bedrock provider key, claude-bedrock, caller key, chat, usage with cost", async () => {
    const pk = await admin('POST', '/admin/v1/provider_keys', {
      display_name: 'bedrock-prod',
      provider: 'bedrock',
      adapter: 'bedrock',
      secret: JSON.stringify({ access_key_id: AWS.accessKeyId, secret_access_key: AWS.secretAccessKey, region: 'us-west-2' }),
      api_base: bedrock.url,
    });
    assert.equal(pk.status, 201, JSON.stringify(pk.json));
    assert.ok(!JSON.stringify(pk.json).includes(AWS.secretAccessKey));

    const model = await admin('POST', '/admin/v1/models', {
      display_name: 'claude-bedrock',
      provider: 'bedrock',
      model_name: CLAUDE,
      provider_key_id: pk.json.id,
    });
    assert.equal(model.status, 201, JSON.stringify(model.json));

    // printf '%s' sk-bedrock-caller | shasum -a 256
    const hash = createHash('sha256').update('sk-bedrock-caller').digest('hex');
    const key = await admin('POST', '/admin/v1/apikeys', { key_hash: hash, allowed_models: ['claude-bedrock'] });
    assert.equal(key.status, 201);

    const chat = (model: string) =>
      fetch(`${rankway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bedrock-caller' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello to the gateway.' }] }),
      });
    const res = await chat('claude-bedrock');
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0].message.role, 'assistant');
    assert.ok(body.choices[0].message.content.length > 0);
    const { prompt_tokens: input, completion_tokens: output } = body.usage;
    assert.ok(input > 0 && output > 0);
    assert.equal(bedrock.accepted.length, 1, 'the fake verified the SigV4 signature made with the admin-stored credentials');
    assert.equal(bedrock.accepted[0].signedBy, AWS.accessKeyId);
    assert.equal(bedrock.accepted[0].path, `/model/${encodeURIComponent(CLAUDE)}/converse`);
    assert.equal((await chat('bedrock-prod/anthropic.claude-3-haiku-20240307-v1:0')).status, 403, 'allowed_models holds');

    const usage = await usageOf('claude-bedrock', 1); // written within a second
    assert.equal(usage.status, 200);
    const row = usage.json.data.find((g: any) => g.model === 'claude-bedrock');
    assert.equal(row.requests, 1);
    assert.equal(row.input_tokens, input);
    assert.equal(row.output_tokens, output);
    // Claude 3.5 Sonnet v2 list price: $3 per 1M input tokens, $15 per 1M output tokens.
    assert.ok(Math.abs(row.cost_usd - (input * 3 + output * 15) / 1e6) < 1e-9, `cost ${row.cost_usd}`);
  });

  it('provider key, model, caller key from its sha256, calls, then usage with cost', async () => {
    const pk = await admin('POST', '/admin/v1/provider_keys', {
      display_name: 'cohere-prod',
      provider: 'cohere',
      adapter: 'cohere',
      secret: JSON.stringify({ api_key: 'co-live-key' }),
      api_base: cohere.url,
    });
    assert.equal(pk.status, 201);

    const model = await admin('POST', '/admin/v1/models', {
      display_name: 'rerank-cohere',
      provider: 'cohere',
      model_name: 'rerank-v3.5',
      provider_key_id: pk.json.id,
    });
    assert.equal(model.status, 201);

    const hash = createHash('sha256').update('sk-rerank-caller').digest('hex');
    const key = await admin('POST', '/admin/v1/apikeys', { key_hash: hash, allowed_models: ['rerank-cohere'] });
    assert.equal(key.status, 201);

    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${rankway.url}/v1/rerank`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-rerank-caller' },
        body: JSON.stringify({
          model: 'rerank-cohere',
          query: `rotate keys ${i}`,
          documents: ['Rotate API keys from the admin API.', 'Metrics.'],
        }),
      });
      assert.equal(res.status, 200);
    }
    const denied = await fetch(`${rankway.url}/v1/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-rerank-caller' },
      body: JSON.stringify({ model: 'local/bm25', query: 'q', documents: ['q'] }),
    });
    assert.equal(denied.status, 403, 'allowed_models holds');

    const usage = await usageOf('rerank-cohere', 3);
    assert.equal(usage.status, 200);
    const row = usage.json.data.find((g: any) => g.model === 'rerank-cohere');
    assert.equal(row.requests, 3);
    assert.equal(row.search_units, 3);
    assert.equal(row.cost_usd, 0.006, 'three search units at $2.00 per 1,000');
    assert.equal(cohere.requests.length, 3);
  });
});
