import type { ImageRequest } from '../../../canonical/images.js';
import { GatewayError, invalidRequest } from '../../../errors/gateway-error.js';
import { badResponse } from '../../shared/errors.js';
import { parseSize, STABILITY_ASPECTS, stabilityAspect } from './sizes.js';

const FORMATS = ['png', 'jpeg', 'webp'];
const EXTRAS = new Set(['negative_prompt', 'seed', 'aspect_ratio', 'output_format', 'strength', 'mode']);

/** The InvokeModel body for Stability AI models (SD3.5 Large, Stable Image Core/Ultra): one image per call. */
export function stabilityImageBody(request: ImageRequest): Record<string, unknown> {
  for (const key in request.extras) {
    if (!EXTRAS.has(key))
      throw invalidRequest(`'${key}' is not a field Stability models take; extras accepted: ${[...EXTRAS].join(', ')}`, key);
  }
  const x = request.extras;
  if (request.n !== 1) throw invalidRequest('n must be 1 for Stability models: they return one image per call', 'n');
  if (request.style !== undefined)
    throw invalidRequest('style is not supported by Stability models (describe the style in the prompt)', 'style');
  if (request.quality !== undefined && request.quality !== 'auto')
    throw invalidRequest('quality is not supported by Stability models', 'quality');
  if (request.mask) throw invalidRequest('mask is not supported by Stability models on Bedrock through InvokeModel', 'mask');
  if (!request.prompt) throw invalidRequest('prompt is required', 'prompt');
  if (request.prompt.length > 10_000) throw invalidRequest('prompt must be at most 10,000 characters for Stability models', 'prompt');
  const body: Record<string, unknown> = { prompt: request.prompt };

  const format = request.outputFormat ?? x.output_format;
  if (format !== undefined) {
    if (typeof format !== 'string' || !FORMATS.includes(format))
      throw invalidRequest(`output_format must be one of ${FORMATS.join(', ')}`, 'output_format');
    body.output_format = format;
  }
  if (x.negative_prompt !== undefined) {
    if (typeof x.negative_prompt !== 'string' || x.negative_prompt.length > 10_000)
      throw invalidRequest('negative_prompt must be a string of at most 10,000 characters', 'negative_prompt');
    body.negative_prompt = x.negative_prompt;
  }
  if (x.seed !== undefined) {
    if (typeof x.seed !== 'number' || !Number.isInteger(x.seed) || x.seed < 0 || x.seed > 4_294_967_294)
      throw invalidRequest('seed must be an integer from 0 to 4294967294', 'seed');
    body.seed = x.seed;
  }

  if (request.task === 'edit') {
    if (request.images.length !== 1) throw invalidRequest('Stability image-to-image takes exactly one image', 'image');
    const strength = x.strength;
    if (typeof strength !== 'number' || strength < 0 || strength > 1)
      throw invalidRequest('strength (0 to 1) is required for Stability image-to-image', 'strength');
    if (request.size !== undefined || x.aspect_ratio !== undefined)
      throw invalidRequest("size and aspect_ratio apply to text-to-image only: image-to-image keeps the input's aspect ratio", 'size');
    return { ...body, mode: 'image-to-image', image: Buffer.from(request.images[0]).toString('base64'), strength };
  }
  if (x.mode !== undefined && x.mode !== 'text-to-image')
    throw invalidRequest('mode on /v1/images/generations must be text-to-image', 'mode');
  if (x.strength !== undefined) throw invalidRequest('strength applies to image-to-image (/v1/images/edits) only', 'strength');
  if (x.aspect_ratio !== undefined) {
    if (request.size !== undefined) throw invalidRequest('give size or aspect_ratio, not both', 'aspect_ratio');
    if (typeof x.aspect_ratio !== 'string' || !(STABILITY_ASPECTS as readonly string[]).includes(x.aspect_ratio)) {
      throw invalidRequest(`aspect_ratio must be one of ${STABILITY_ASPECTS.join(', ')}`, 'aspect_ratio');
    }
    body.aspect_ratio = x.aspect_ratio;
  }
  const size = parseSize(request.size);
  if (size) body.aspect_ratio = stabilityAspect(size.width, size.height);
  return body;
}

/**
 * Images out of a Stability answer. A non-null `finish_reasons` entry means the image was
 * filtered (or failed): that is an error for the caller, never an empty success.
 */
export function stabilityImages(doc: Record<string, unknown>): string[] {
  const reasons = Array.isArray(doc.finish_reasons) ? doc.finish_reasons : [];
  const reason = reasons.find((r) => r !== null && r !== undefined);
  if (typeof reason === 'string') {
    if (reason.startsWith('Filter reason')) {
      throw new GatewayError('content_policy_violation', `The Stability model refused the request: ${reason}`, {
        failure: 'caller_fault',
        upstreamCode: reason,
      });
    }
    throw badResponse(`Stability finish reason: ${reason}`);
  }
  const images = Array.isArray(doc.images) ? doc.images.filter((i): i is string => typeof i === 'string' && i.length > 0) : [];
  if (images.length === 0) throw badResponse('Stability answer without images');
  return images;
}
