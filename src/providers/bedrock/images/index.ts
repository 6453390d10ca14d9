import type { ImageRequest } from '../../../canonical/images.js';
import { GatewayError, invalidRequest } from '../../../errors/gateway-error.js';
import { badResponse } from '../../shared/errors.js';
import { parseJsonBody } from '../../shared/json.js';
import type { HttpCall, ImagesCapability, Target, UpstreamReply } from '../../types.js';
import { imageFamily, type ImageFamily } from '../families.js';
import { runtimePath } from '../runtime-path.js';
import { novaImageBody } from './nova.js';
import { stabilityImageBody, stabilityImages } from './stability.js';

function familyOf(target: Target): ImageFamily {
  const family = imageFamily(target.model);
  if (!family) {
    throw invalidRequest(
      `Bedrock model '${target.model}' is not an image model Rankway knows (Nova Canvas, Titan Image Generator, Stability AI)`,
      'model',
    );
  }
  return family;
}

/** Nova Canvas answers `{images, error?}`: an `error` with no images is a moderated request. */
function novaImages(doc: Record<string, unknown>): string[] {
  const images = Array.isArray(doc.images) ? doc.images.filter((i): i is string => typeof i === 'string' && i.length > 0) : [];
  if (images.length > 0) return images;
  if (typeof doc.error === 'string')
    throw new GatewayError('content_policy_violation', `The model refused the request: ${doc.error}`, {
      failure: 'caller_fault',
      upstreamCode: doc.error,
    });
  throw badResponse('image answer without images');
}

/** Image generation and edits through InvokeModel, the body chosen by the model's family. */
export const bedrockImages: ImagesCapability = {
  build(request: ImageRequest, target: Target): HttpCall {
    const family = familyOf(target);
    const body = family.shape === 'nova' ? novaImageBody(request, family) : stabilityImageBody(request);
    return {
      method: 'POST',
      endpoint: 'runtime',
      path: runtimePath(target.model, 'invoke'),
      headers: { accept: 'application/json' },
      body,
    };
  },
  parse(reply: UpstreamReply, _request: ImageRequest, target: Target) {
    const doc = parseJsonBody(reply.body, 'bedrock') as Record<string, unknown>;
    if (doc === null || typeof doc !== 'object') throw badResponse('image answer is not a JSON object');
    return { images: familyOf(target).shape === 'nova' ? novaImages(doc) : stabilityImages(doc) };
  },
};
