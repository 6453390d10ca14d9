import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockImageRoutes, TINY_PNG } from '../helpers/fakes/bedrock-images.js';
import { sqliteRows, startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEYS = { accessKeyId: 'AKIDIMAGETEST', secretAccessKey: 'image-test-secret' };

describe('openai SDK -> Rankway -> Bedrock InvokeModel (images)', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-east-1', credentials: [KEYS], routes: bedrockImageRoutes() });
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
        { name: 'nova-canvas', target: 'bedrock/amazon.nova-canvas-v1:0' },
        { name: 'titan-image', target: 'bedrock/amazon.titan-image-generator-v2:0' },
        { name: 'sd35', target: 'bedrock/stability.sd3-5-large-v1:0' },
      ],
    });
    client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });
  const reset = (): void => {
    bedrock.requests.length = 0;
    bedrock.accepted.length = 0;
  };
  const rejected = async (p: Promise<unknown>, status: number, param: string, text: RegExp): Promise<void> => {
    await assert.rejects(p, (err: any) => {
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.equal(err.status, status);
      assert.equal((err.error as any)?.param, param);
      assert.match(err.message, text);
      return true;
    });
  };

  it('nova-canvas with n: 2 returns two images, sent as one signed InvokeModel with numberOfImages 2', async () => {
    reset();
    const res = await client.images.generate({ model: 'nova-canvas', prompt: 'a lighthouse at dusk', size: '1024x1024', n: 2 });
    assert.equal(res.data?.length, 2);
    for (const d of res.data!) assert.equal(d.b64_json, TINY_PNG);
    assert.equal(bedrock.accepted.length, 1);
    assert.equal(bedrock.accepted[0].signedBy, KEYS.accessKeyId);
    assert.equal(bedrock.accepted[0].path, '/model/amazon.nova-canvas-v1%3A0/invoke');
    assert.deepEqual(bedrock.accepted[0].json, {
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: 'a lighthouse at dusk' },
      imageGenerationConfig: { numberOfImages: 2, width: 1024, height: 1024 },
    });
    const rows = await waitForRows(gw, "surface = 'openai-images'", 1);
    assert.ok(Math.abs(rows[0].cost_usd - 0.08) < 1e-9, `two Nova Canvas images at $0.04: ${rows[0].cost_usd}`);
  });

  it('maps quality, a Nova style and extra_body (negative prompt, cfgScale, seed) into the Nova body', async () => {
    reset();
    await client.images.generate({
      model: 'nova-canvas',
      prompt: 'a fox',
      quality: 'hd',
      style: 'PHOTOREALISM' as any,
      size: '1280x720' as any,
      // What `extra_body` turns into on the wire: top-level fields.
      ...({ negative_prompt: 'blur', cfgScale: 7.5, seed: 42 } as any),
    });
    assert.deepEqual(bedrock.accepted[0].json, {
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: 'a fox', negativeText: 'blur', style: 'PHOTOREALISM' },
      imageGenerationConfig: { numberOfImages: 1, width: 1280, height: 720, quality: 'premium', cfgScale: 7.5, seed: 42 },
    });
  });

  it('the same on a Stability alias with n: 2 is a clear 400 and AWS is never called', async () => {
    reset();
    await rejected(
      client.images.generate({ model: 'sd35', prompt: 'a lighthouse', size: '1024x1024', n: 2 }),
      400,
      'n',
      /n must be 1 for Stability models/,
    );
    assert.equal(bedrock.requests.length, 0);
  });

  it("refuses before calling AWS: a style outside Nova's enum, an unsupported size, an unknown extra, response_format url", async () => {
    reset();
    await rejected(
      client.images.generate({ model: 'nova-canvas', prompt: 'x', style: 'vivid' }),
      400,
      'style',
      /style must be one of 3D_ANIMATED_FAMILY_FILM/,
    );
    await rejected(client.images.generate({ model: 'nova-canvas', prompt: 'x', size: '1000x1000' as any }), 400, 'size', /multiple of 16/);
    await rejected(
      client.images.generate({ model: 'titan-image', prompt: 'x', size: '1792x1024' }),
      400,
      'size',
      /not supported by Titan Image Generator/,
    );
    await rejected(client.images.generate({ model: 'sd35', prompt: 'x', size: '1792x1024' }), 400, 'size', /aspect 7:4/);
    await rejected(
      client.images.generate({ model: 'nova-canvas', prompt: 'x', ...({ guidance: 3 } as any) }),
      400,
      'guidance',
      /not a field Nova Canvas/,
    );
    await rejected(client.images.generate({ model: 'nova-canvas', prompt: 'x', n: 6 }), 400, 'n', /n must be from 1 to 5/);
    await rejected(
      client.images.generate({ model: 'nova-canvas', prompt: 'x', response_format: 'url' }),
      400,
      'response_format',
      /does not store generated images/,
    );
    assert.equal(bedrock.requests.length, 0);
  });

  it('Stability: size becomes aspect_ratio, extras pass, and one image comes back', async () => {
    reset();
    const res = await client.images.generate({
      model: 'sd35',
      prompt: 'a castle',
      size: '1536x1024',
      output_format: 'jpeg',
      ...({ negative_prompt: 'fog', seed: 9 } as any),
    });
    assert.equal(res.data?.length, 1);
    assert.deepEqual(bedrock.accepted[0].json, {
      prompt: 'a castle',
      output_format: 'jpeg',
      negative_prompt: 'fog',
      seed: 9,
      aspect_ratio: '3:2',
    });
  });

  it('a Stability content-filter result is an error, not an empty 200', async () => {
    reset();
    await assert.rejects(client.images.generate({ model: 'sd35', prompt: 'FILTER-ME please' }), (err: any) => {
      assert.equal(err.status, 400);
      assert.equal(err.code, 'content_policy_violation');
      assert.match(err.message, /Filter reason: prompt/);
      return true;
    });
    assert.equal(bedrock.accepted.length, 1, 'a caller fault is not retried');
  });

  it("edits through multipart (the SDK's form): image + mask become Nova INPAINTING", async () => {
    reset();
    const png = Buffer.from(TINY_PNG, 'base64');
    const res = await client.images.edit({
      model: 'nova-canvas',
      prompt: 'replace with a cat',
      image: await toFile(png, 'in.png', { type: 'image/png' }),
      mask: await toFile(png, 'mask.png', { type: 'image/png' }),
      n: 2,
    });
    assert.equal(res.data?.length, 2);
    assert.deepEqual(bedrock.accepted[0].json, {
      taskType: 'INPAINTING',
      inPaintingParams: { image: TINY_PNG, text: 'replace with a cat', maskImage: TINY_PNG },
      imageGenerationConfig: { numberOfImages: 2 },
    });
  });

  it('edits: BACKGROUND_REMOVAL by taskType sends only backgroundRemovalParams; JSON edits with a data URL work too', async () => {
    reset();
    const png = Buffer.from(TINY_PNG, 'base64');
    await client.images.edit({
      model: 'titan-image',
      prompt: 'unused',
      image: await toFile(png, 'a.png', { type: 'image/png' }),
      ...({ taskType: 'BACKGROUND_REMOVAL' } as any),
    });
    assert.deepEqual(bedrock.accepted[0].json, { taskType: 'BACKGROUND_REMOVAL', backgroundRemovalParams: { image: TINY_PNG } });
    const json = await gw.post('/v1/images/edits', {
      model: 'nova-canvas',
      prompt: 'make it blue',
      images: [{ image_url: `data:image/png;base64,${TINY_PNG}` }],
      similarityStrength: 0.5,
    });
    assert.equal(json.status, 200, JSON.stringify(json.json));
    assert.deepEqual(bedrock.accepted[1].json, {
      taskType: 'IMAGE_VARIATION',
      imageVariationParams: { images: [TINY_PNG], text: 'make it blue', similarityStrength: 0.5 },
      imageGenerationConfig: { numberOfImages: 1 },
    });
  });
});

async function waitForRows(gw: RunningGateway, where: string, count: number): Promise<any[]> {
  // The record is written after the response went out: wait for it, not a fixed time.
  for (let i = 0; ; i++) {
    await gw.gateway.usage.flush();
    const rows = await sqliteRows(gw.dataDir, `SELECT * FROM usage_records WHERE ${where}`);
    if (rows.length >= count || i > 200) return rows;
    await new Promise((r) => setTimeout(r, 5));
  }
}
