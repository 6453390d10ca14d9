import type { ImageRequest, ImageResult } from '../../canonical/images.js';
import { badResponse } from '../../providers/shared/errors.js';
import { withFallbacks } from '../attempt.js';
import type { RequestContext } from '../context.js';
import { gate } from '../policy.js';
import { recordUsage } from '../outcome.js';
import type { Router } from '../router.js';
import { callUpstream } from '../unary-call.js';

/**
 * Image generation and edits for every provider with an `images` capability: the request is
 * translated (and refused, when the model cannot do it) before anything is sent, and billed
 * per image returned.
 */
export class ImagesService {
  constructor(private readonly router: Router) {}

  async run(request: ImageRequest, ctx: RequestContext): Promise<ImageResult> {
    ctx.outcome.operation = 'generate_content';
    const route = this.router.route(request.model, 'images', [], gate(ctx));
    const served = await withFallbacks(route, ctx, (target) => {
      const capability = target.provider.adapter.capabilities.images!;
      const call = capability.build(request, target.upstream);
      return callUpstream(target, call, ctx, (reply) => {
        const parsed = capability.parse(reply, request, target.upstream);
        if (parsed.images.length > request.n) throw badResponse(`${target.label}: ${parsed.images.length} images for n=${request.n}`);
        return parsed;
      });
    });
    recordUsage(ctx, served.target, { inputTokens: 0, outputTokens: 0, searchUnits: 0, queries: 0, images: served.value.images.length });
    return { images: served.value.images, modelUsed: served.target.label };
  }
}
