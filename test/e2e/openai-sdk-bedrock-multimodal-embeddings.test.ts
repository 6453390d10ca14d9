import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { awsError, startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { sendJson } from '../helpers/fake-server.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEYS = { accessKeyId: 'AKIDMMEMBED', secretAccessKey: 'mm-embed-secret' };
// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
/** A deterministic vector per content, so each answer can be matched to its input. */
const vec = (seed: string, n = 4): number[] => {
  const h = createHash('sha256').update(seed).digest();
  return Array.from({ length: n }, (_, i) => h[i % h.length] / 255 + i / 1e6);
};

describe('openai SDK -> Rankway -> Bedrock multimodal embeddings (Titan Multimodal G1, Cohere Embed v4)', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    bedrock = await startFakeBedrock({
      region: 'us-east-1',
      credentials: [KEYS],
      routes: [
        {
          method: 'POST',
          pattern: /^\/model\/amazon\.titan-embed-image-v1\/invoke$/,
          handle(req, res) {
            const b = req.json;
            const unknown = Object.keys(b).filter((k) => !['inputText', 'inputImage', 'embeddingConfig'].includes(k));
            if (unknown.length || (b.inputText === undefined && b.inputImage === undefined))
              return awsError(res, 400, 'ValidationException', 'Malformed input request');
            if (b.inputImage !== undefined && !/^[A-Za-z0-9+/]+=*$/.test(b.inputImage))
              return awsError(res, 400, 'ValidationException', 'bad image');
            const n = b.embeddingConfig?.outputEmbeddingLength ?? 1024;
            sendJson(res, 200, {
              embedding: vec(`${b.inputText ?? ''}|${b.inputImage ?? ''}`, n),
              inputTextTokenCount: b.inputText ? 3 : 0,
            });
          },
        },
        {
          method: 'POST',
          pattern: /^\/model\/cohere\.embed-v4%3A0\/invoke$/,
          handle(req, res) {
            const b = req.json;
            if (!b.input_type || (b.texts && (b.images || b.inputs)) || !Array.isArray(b.embedding_types))
              return awsError(res, 400, 'ValidationException', 'Malformed input request');
            const items: string[] = b.texts
              ? b.texts
              : b.inputs.map((i: any) => i.content.map((p: any) => (p.type === 'text' ? p.text : p.image_url)).join('|'));
            if (
              b.inputs?.some((i: any) =>
                i.content.some((p: any) => p.type === 'image_url' && !/^data:image\/(png|jpeg);base64,/.test(p.image_url)),
              )
            )
              return awsError(res, 400, 'ValidationException', 'images must be data URIs');
            sendJson(res, 200, {
              id: 'e1',
              response_type: 'embeddings_by_type',
              embeddings: { float: items.map((s) => vec(s, b.output_dimension ?? 8)) },
            });
          },
        },
      ],
    });
    gw = await startGateway({
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-east-1',
          access_key_id: KEYS.accessKeyId,
          secret_access_key: KEYS.secretAccessKey,
          runtime_endpoint: bedrock.url,
        },
      ],
      models: [
        { name: 'titan-mm', target: 'bedrock/amazon.titan-embed-image-v1' },
        { name: 'cohere-v4', target: 'bedrock/cohere.embed-v4:0' },
        { name: 'titan-text', target: 'bedrock/amazon.titan-embed-text-v2:0' },
      ],
    });
    client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });

  it('Titan Multimodal: text, image and both per input, outputEmbeddingLength from dimensions', async () => {
    const res = await client.embeddings.create({
      model: 'titan-mm',
      input: ['a red square', { image: `data:image/png;base64,${PNG}` }, { text: 'a cat', image: PNG }] as any,
      dimensions: 256,
      encoding_format: 'float',
    });
    assert.equal(res.data.length, 3);
    // Calls run concurrently: compare as sets.
    const sent = bedrock.accepted.map((r) => JSON.stringify(r.json)).sort();
    const want = [
      { inputText: 'a red square', embeddingConfig: { outputEmbeddingLength: 256 } },
      { inputImage: PNG, embeddingConfig: { outputEmbeddingLength: 256 } },
      { inputText: 'a cat', inputImage: PNG, embeddingConfig: { outputEmbeddingLength: 256 } },
    ];
    assert.deepEqual(sent, want.map((w) => JSON.stringify(w)).sort());
    assert.deepEqual(res.data[1].embedding, vec(`|${PNG}`, 256));
    assert.deepEqual(res.data[2].embedding, vec(`a cat|${PNG}`, 256));
    await assert.rejects(
      client.embeddings.create({ model: 'titan-mm', input: ['x'], dimensions: 512, encoding_format: 'float' }),
      (e: any) => e.status === 400 && /256, 384 or 1024/.test(e.message),
    );
  });

  it('Cohere Embed v4: image inputs go as inputs[].content[] with data URIs; text-only as texts', async () => {
    const n = bedrock.accepted.length;
    const res = await client.embeddings.create({
      model: 'cohere-v4',
      input: [{ text: 'page 1', image: `data:image/jpeg;base64,${PNG}` }, 'plain text'] as any,
      encoding_format: 'float',
    });
    const body = bedrock.accepted[n].json;
    assert.deepEqual(body, {
      input_type: 'search_document',
      embedding_types: ['float'],
      inputs: [
        {
          content: [
            { type: 'text', text: 'page 1' },
            { type: 'image_url', image_url: `data:image/jpeg;base64,${PNG}` },
          ],
        },
        { content: [{ type: 'text', text: 'plain text' }] },
      ],
    });
    assert.deepEqual(res.data[0].embedding, vec(`page 1|data:image/jpeg;base64,${PNG}`, 8));
    await client.embeddings.create({ model: 'cohere-v4', input: ['a', 'b'], dimensions: 256, encoding_format: 'float' });
    assert.deepEqual(bedrock.accepted.at(-1)!.json, {
      input_type: 'search_document',
      embedding_types: ['float'],
      texts: ['a', 'b'],
      output_dimension: 256,
    });
  });

  it('an image for a text-only model is a clear 400 before AWS is called; bad images too', async () => {
    const n = bedrock.requests.length;
    await assert.rejects(
      client.embeddings.create({ model: 'titan-text', input: [{ image: PNG }] as any, encoding_format: 'float' }),
      (e: any) => e.status === 400 && /text only/.test(e.message) && e.error?.param === 'input',
    );
    await assert.rejects(
      client.embeddings.create({
        model: 'titan-mm',
        input: [{ image: 'data:image/gif;base64,R0lGOD==' }] as any,
        encoding_format: 'float',
      }),
      (e: any) => e.status === 400 && /PNG or JPEG/.test(e.message),
    );
    await assert.rejects(
      client.embeddings.create({ model: 'titan-mm', input: [{ image: 'not base64!' }] as any, encoding_format: 'float' }),
      (e: any) => e.status === 400 && /base64/.test(e.message),
    );
    await assert.rejects(client.embeddings.create({ model: 'titan-mm', input: [{}] as any }), (e: any) => e.status === 400);
    assert.equal(bedrock.requests.length, n);
  });
});
