import type { FastifyInstance } from 'fastify';
import type { ImageResult } from '../../canonical/images.js';
import type { ImagesService } from '../../core/images/service.js';
import { addMultipartParser } from './multipart.js';
import type { OpenApiRegistry } from '../openapi/registry.js';
import { imageGenerationSchema, parseImageEditForm, parseImageEditJson, parseImageGeneration } from './images-parse.js';

export interface ImageRoutesOptions {
  readonly images: ImagesService;
}

const render = (result: ImageResult): unknown => ({
  created: Math.floor(Date.now() / 1000),
  data: result.images.map((b64_json) => ({ b64_json })),
});

export function describeImageRoutes(openapi: OpenApiRegistry): void {
  const common = {
    server: 'proxy' as const,
    tags: ['openai'],
    response: { raw: '`{created, data: [{b64_json}]}`', mediaTypes: ['application/json'] },
    errors: [400, 401, 403, 404, 413, 415, 429, 502, 503, 504] as const,
  };
  openapi.add({
    ...common,
    method: 'post',
    path: '/v1/images/generations',
    summary: 'Image generation (OpenAI compatible)',
    description:
      'On Bedrock Nova Canvas, Titan Image Generator and Stability AI models. `size`, `n`, `quality`, `style` and model-native extras are mapped per model or refused with a 400 before the model is called; images come back as `b64_json`.',
    request: { name: 'ImageGenerationRequest', schema: imageGenerationSchema },
  });
  openapi.add({
    ...common,
    method: 'post',
    path: '/v1/images/edits',
    summary: 'Image edits (OpenAI compatible, multipart or JSON)',
    description:
      'multipart/form-data with `image` (one or more) and optional `mask`, or JSON with `images: [{image_url: "data:..."}]`. Nova/Titan: IMAGE_VARIATION by default, INPAINTING with a mask or `maskPrompt`, OUTPAINTING and BACKGROUND_REMOVAL by `taskType`; Stability: image-to-image with `strength`.',
    rawRequest: 'multipart/form-data or JSON',
  });
}

/**
 * OpenAI's image routes. A plugin of its own so the multipart parser it needs for edits
 * stays inside it; errors use the proxy's OpenAI envelope.
 */
export async function imageRoutes(app: FastifyInstance, options: ImageRoutesOptions): Promise<void> {
  addMultipartParser(app);

  app.post('/v1/images/generations', async (request) => {
    request.ctx.surface = 'openai-images';
    return render(await options.images.run(parseImageGeneration(request.body), request.ctx));
  });

  app.post('/v1/images/edits', async (request) => {
    request.ctx.surface = 'openai-images';
    const body = request.body;
    const canonical = body instanceof FormData ? await parseImageEditForm(body) : parseImageEditJson(body);
    return render(await options.images.run(canonical, request.ctx));
  });
}
