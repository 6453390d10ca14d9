import type { ImageResult } from '../../canonical/images.js';
import type { ImagesService } from '../../core/images/service.js';
import { openAiErrors } from '../envelopes.js';
import { defineSurface } from '../surface.js';
import { imageGenerationSchema, parseImageEditForm, parseImageEditJson, parseImageGeneration } from './images-parse.js';

export interface ImageSurfaceDeps {
  readonly images: ImagesService;
}

const render = (result: ImageResult): unknown => ({
  created: Math.floor(Date.now() / 1000),
  data: result.images.map((b64_json) => ({ b64_json })),
});

const ERRORS = [400, 401, 403, 404, 413, 415, 429, 502, 503, 504] as const;
const RESPONSE = { raw: '`{created, data: [{b64_json}]}`', mediaTypes: ['application/json'] } as const;

/** OpenAI's image routes: JSON, and multipart for edits; errors in the OpenAI envelope. */
export const imagesSurface = defineSurface<ImageSurfaceDeps>({
  name: 'openai-images',
  listener: 'proxy',
  body: { kind: 'json', multipart: true },
  auth: 'key',
  errors: openAiErrors,
  tags: ['openai'],
  routes: [
    {
      method: 'post',
      path: '/v1/images/generations',
      doc: {
        summary: 'Image generation (OpenAI compatible)',
        description:
          'On Bedrock Nova Canvas, Titan Image Generator and Stability AI models. `size`, `n`, `quality`, `style` and model-native extras are mapped per model or refused with a 400 before the model is called; images come back as `b64_json`.',
        request: { name: 'ImageGenerationRequest', schema: imageGenerationSchema },
        response: RESPONSE,
        errors: ERRORS,
      },
      handler:
        ({ images }) =>
        async (request) => {
          request.ctx.surface = 'openai-images';
          return render(await images.run(parseImageGeneration(request.body), request.ctx));
        },
    },
    {
      method: 'post',
      path: '/v1/images/edits',
      doc: {
        summary: 'Image edits (OpenAI compatible, multipart or JSON)',
        description:
          'multipart/form-data with `image` (one or more) and optional `mask`, or JSON with `images: [{image_url: "data:..."}]`. Nova/Titan: IMAGE_VARIATION by default, INPAINTING with a mask or `maskPrompt`, OUTPAINTING and BACKGROUND_REMOVAL by `taskType`; Stability: image-to-image with `strength`.',
        rawRequest: 'multipart/form-data or JSON',
        response: RESPONSE,
        errors: ERRORS,
      },
      handler:
        ({ images }) =>
        async (request) => {
          request.ctx.surface = 'openai-images';
          const body = request.body;
          const canonical = body instanceof FormData ? await parseImageEditForm(body) : parseImageEditJson(body);
          return render(await images.run(canonical, request.ctx));
        },
    },
  ],
});
