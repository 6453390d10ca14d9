import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BedrockAgentRuntimeClient, RetrieveAndGenerateCommand, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { sendJson } from '../helpers/fake-server.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockRerankRoutes } from '../helpers/fakes/bedrock-rerank.js';
import { sqliteRows, startGateway, type RunningGateway } from '../helpers/gateway.js';

const UPSTREAM = { accessKeyId: 'AKIDKBUPSTREAM', secretAccessKey: 'kb-upstream-secret' };
const CALLER = { accessKeyId: 'RKIDKBCALLER0001', secretAccessKey: 'kb-caller-secret-key' };
const LIMITED = { accessKeyId: 'RKIDKBLIMITED001', secretAccessKey: 'kb-limited-secret-key' };
const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

describe('AWS SDK (Agent Runtime) -> Rankway -> knowledge bases', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [UPSTREAM], routes: bedrockRerankRoutes('us-west-2') });
    bedrock.route({
      method: 'POST',
      pattern: /^\/retrieveAndGenerate$/,
      handle(req, res) {
        const kb = req.json?.retrieveAndGenerateConfiguration?.knowledgeBaseConfiguration;
        if (!kb?.knowledgeBaseId || !/^arn:aws:bedrock:us-west-2::foundation-model\//.test(kb.modelArn))
          return sendJson(res, 400, { message: `bad modelArn ${kb?.modelArn}` }, { 'x-amzn-errortype': 'ValidationException' });
        sendJson(res, 200, { sessionId: 'sess-1', output: { text: `answer to ${req.json.input.text}` }, citations: [] });
      },
    });
    bedrock.route({
      method: 'POST',
      pattern: /^\/knowledgebases\/([A-Za-z0-9]+)\/retrieve$/,
      handle(req, res, m) {
        sendJson(res, 200, { retrievalResults: [{ content: { text: `from ${m[1]}: ${req.json.retrievalQuery.text}` }, score: 0.9 }] });
      },
    });
    gw = await startGateway({
      server: {
        auth: 'keys',
        keys: [{ name: 'app', key_sha256: createHash('sha256').update('rk-kb-app').digest('hex') }],
        aws_access_keys: [
          { name: 'sdk', access_key_id: CALLER.accessKeyId, secret_access_key: CALLER.secretAccessKey },
          {
            name: 'limited',
            access_key_id: LIMITED.accessKeyId,
            secret_access_key: LIMITED.secretAccessKey,
            allowed_models: ['claude', 'knowledgebase/KBALLOWED1'],
          },
        ],
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
      models: [{ name: 'claude', target: `bedrock/${CLAUDE}` }],
    });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });
  const client = (keys = CALLER) =>
    new BedrockAgentRuntimeClient({
      region: 'us-west-2',
      endpoint: gw.url,
      credentials: keys,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
  const rag = (kb: string, modelArn: string) =>
    new RetrieveAndGenerateCommand({
      input: { text: 'what is rankway?' },
      retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE', knowledgeBaseConfiguration: { knowledgeBaseId: kb, modelArn } },
    });

  it('RetrieveAndGenerateCommand works with only the endpoint changed; an alias becomes its target ARN; re-signed upstream', async () => {
    const out = await client().send(rag('KBALLOWED1', 'claude'));
    assert.equal(out.output?.text, 'answer to what is rankway?');
    const sent = bedrock.accepted.at(-1)!;
    assert.equal(sent.signedBy, UPSTREAM.accessKeyId);
    assert.equal(
      sent.json.retrieveAndGenerateConfiguration.knowledgeBaseConfiguration.modelArn,
      `arn:aws:bedrock:us-west-2::foundation-model/${CLAUDE}`,
    );
    await gw.gateway.usage.flush();
    const rows = await sqliteRows(gw.dataDir, "SELECT * FROM usage_records WHERE surface = 'bedrock-agent'");
    assert.ok(rows.length >= 1);
  });

  it("Kong's /model/{id}/retrieveAndGenerate form and Retrieve work", async () => {
    const res = await fetch(`${gw.url}/model/claude/retrieveAndGenerate`, {
      method: 'POST',
      headers: { authorization: 'Bearer rk-kb-app', 'content-type': 'application/json' },
      body: JSON.stringify({
        input: { text: 'kong?' },
        retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE', knowledgeBaseConfiguration: { knowledgeBaseId: 'KBALLOWED1' } },
      }),
    });
    const json: any = await res.json();
    assert.equal(res.status, 200, JSON.stringify(json));
    assert.equal(json.output.text, 'answer to kong?');
    const rerank = await fetch(`${gw.url}/model/cohere.rerank-v3-5:0/rerank`, {
      method: 'POST',
      headers: { authorization: 'Bearer rk-kb-app', 'content-type': 'application/json' },
      body: JSON.stringify({
        queries: [{ type: 'TEXT', textQuery: { text: 'gateway' } }],
        sources: ['an AI gateway', 'a garden gate'].map((text) => ({
          type: 'INLINE',
          inlineDocumentSource: { type: 'TEXT', textDocument: { text } },
        })),
        rerankingConfiguration: {
          type: 'BEDROCK_RERANKING_MODEL',
          bedrockRerankingConfiguration: {
            modelConfiguration: { modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0' },
          },
        },
      }),
    });
    const ranked: any = await rerank.json();
    assert.equal(rerank.status, 200, JSON.stringify(ranked));
    assert.equal(ranked.results.length, 2);
    const out = await client().send(new RetrieveCommand({ knowledgeBaseId: 'KBALLOWED1', retrievalQuery: { text: 'q' } }));
    assert.equal(out.retrievalResults?.[0].content?.text, 'from KBALLOWED1: q');
  });

  it('the allow-list applies to the knowledge base and to the model', async () => {
    await assert.rejects(client(LIMITED).send(rag('KBOTHER001', 'claude')), (e: any) => e.$metadata?.httpStatusCode === 403);
    await assert.rejects(
      client(LIMITED).send(new RetrieveCommand({ knowledgeBaseId: 'KBOTHER001', retrievalQuery: { text: 'q' } })),
      (e: any) => e.$metadata?.httpStatusCode === 403,
    );
    await assert.rejects(client(LIMITED).send(rag('KBALLOWED1', CLAUDE)), (e: any) => e.$metadata?.httpStatusCode === 403);
    const ok = await client(LIMITED).send(rag('KBALLOWED1', 'claude'));
    assert.ok(ok.output?.text);
  });
});
