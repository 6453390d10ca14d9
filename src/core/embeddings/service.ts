import type { EmbeddingsCall, EmbeddingsCallResult, EmbeddingsRequest, EmbeddingsResult } from '../../canonical/embeddings.js';
import type { EmbeddingsCapability } from '../../providers/types.js';
import { badResponse } from '../../providers/shared/errors.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { withFallbacks } from '../attempt.js';
import type { RequestContext } from '../context.js';
import { embeddingsWant } from '../limits/estimate.js';
import { withReservation } from '../limits/reserve.js';
import { gate } from '../policy.js';
import { recordUsage } from '../outcome.js';
import { slices } from '../rerank/merge.js';
import type { ResolvedTarget, Router } from '../router.js';
import { mapLimit } from '../semaphore.js';
import { callUpstream } from '../unary-call.js';

/**
 * Embeddings for every provider: inputs are cut into the batches the model takes
 * (one per call for Titan), sent with bounded concurrency and put back in order.
 */
export class EmbeddingsService {
  constructor(private readonly router: Router) {}

  async embed(request: EmbeddingsRequest, ctx: RequestContext): Promise<EmbeddingsResult> {
    ctx.outcome.operation = 'embeddings';
    const route = this.router.route(request.model, 'embeddings', request.fallbacks, gate(ctx));
    ctx.outcome.documents = request.inputs.length;
    return withReservation(
      ctx,
      route,
      (target) => embeddingsWant(request, target),
      async () => {
        const served = await withFallbacks(route, ctx, (target) => this.embedOn(target, request, ctx));
        const { target } = served;
        recordUsage(ctx, target, { inputTokens: served.value.inputTokens, outputTokens: 0, searchUnits: 0, queries: 0 });
        return { ...served.value, modelUsed: target.label };
      },
    );
  }

  private async embedOn(
    target: ResolvedTarget,
    request: EmbeddingsRequest,
    ctx: RequestContext,
  ): Promise<Omit<EmbeddingsResult, 'modelUsed'>> {
    const capability = target.provider.adapter.capabilities.embeddings!;
    // Sending an image-only input as empty text would embed nothing and answer 200.
    if (request.images?.some((image) => image !== null) && !capability.acceptsImages?.(target.upstream))
      throw invalidRequest(
        `model '${request.model}' (${target.label}) embeds text only; image inputs need a multimodal model such as Titan Multimodal Embeddings or Cohere Embed v4`,
        'input',
      );
    const parts = slices(request.inputs.length, capability.maxInputsPerCall(target.upstream));
    ctx.outcome.chunks = parts.length;
    const results = await mapLimit(parts, target.provider.config.chunk_concurrency, ([start, end]) => {
      const call: EmbeddingsCall = {
        inputs: start === 0 && end === request.inputs.length ? request.inputs : request.inputs.slice(start, end),
        images: request.images?.slice(start, end),
        dimensions: request.dimensions,
        inputType: request.inputType,
      };
      return this.callOnce(target, capability, call, ctx);
    });
    let inputTokens = 0;
    const vectors: (readonly number[])[] = [];
    for (const r of results) {
      inputTokens += r.inputTokens;
      for (const v of r.vectors) vectors.push(v);
    }
    return { vectors, inputTokens };
  }

  private callOnce(
    target: ResolvedTarget,
    capability: EmbeddingsCapability,
    call: EmbeddingsCall,
    ctx: RequestContext,
  ): Promise<EmbeddingsCallResult> {
    return callUpstream(target, capability.build(call, target.upstream), ctx, (reply) => {
      const parsed = capability.parse(reply, call);
      if (parsed.vectors.length !== call.inputs.length)
        throw badResponse(`${target.label}: ${parsed.vectors.length} embeddings for ${call.inputs.length} inputs`);
      return parsed;
    });
  }
}
