import { randomUUID } from 'node:crypto';
import type { RerankCall, RerankDocument, RerankRequest, RerankResult, ScoredIndex } from '../../canonical/rerank.js';
import { addUsage, emptyUsage, type Usage } from '../../canonical/usage.js';
import { badResponse } from '../../providers/shared/errors.js';
import type { RerankCapability } from '../../providers/types.js';
import { withFallbacks, withRetries } from '../attempt.js';
import type { RequestContext } from '../context.js';
import { authorizeRoute } from '../policy.js';
import { costUsd, defaultPrice } from '../pricing.js';
import type { ResolvedTarget, Router } from '../router.js';
import { mapLimit } from '../semaphore.js';
import { truncateToTokens } from '../tokens.js';
import { rankResults, slices } from './merge.js';

interface TargetScores {
  readonly scored: ScoredIndex[];
  readonly usage: Usage;
  readonly chunks: number;
}

/**
 * Rerank, once for every provider: route the model, try targets in order, split large
 * requests into chunks the provider accepts, merge, sort, cut to top_n, price.
 */
export class RerankService {
  constructor(private readonly router: Router) {}

  async rerank(request: RerankRequest, ctx: RequestContext): Promise<RerankResult> {
    const started = performance.now();
    const route = this.router.route(request.model, 'rerank', request.fallbacks);
    authorizeRoute(ctx.caller, route);
    ctx.outcome.alias = route.alias?.name ?? request.model;
    ctx.outcome.documents = request.documents.length;

    const served = await withFallbacks(route, ctx, (target) => this.rankOnTarget(target, request, ctx));
    const { target } = served;
    const { scored, usage, chunks } = served.value;
    const results = rankResults(scored, request.documents, request.topN, request.returnDocuments);
    const cost = costUsd(usage, target.price ?? defaultPrice(target.model));

    const out = ctx.outcome;
    out.provider = target.provider.name;
    out.upstreamModel = target.model;
    out.usage = usage;
    out.costUsd = cost;
    out.chunks = chunks;
    return {
      id: randomUUID(),
      results,
      modelRequested: request.model,
      modelUsed: target.label,
      provider: target.provider.name,
      usage,
      costUsd: cost,
      latencyMs: performance.now() - started,
      chunks,
      attempts: out.attempts,
      fallbackIndex: served.fallbackIndex,
    };
  }

  private async rankOnTarget(target: ResolvedTarget, request: RerankRequest, ctx: RequestContext): Promise<TargetScores> {
    const capability = target.provider.adapter.capabilities.rerank!;
    const documents = this.prepareDocuments(request, capability);
    const parts = slices(documents.length, target.provider.adapter.limits.maxDocumentsPerCall);
    const wanted = request.topN ?? documents.length;
    const usage = emptyUsage();

    const perChunk = await mapLimit(parts, target.provider.config.chunk_concurrency, async ([start, end]) => {
      const call: RerankCall = {
        query: request.query,
        documents: start === 0 && end === documents.length ? documents : documents.slice(start, end),
        // Every global top-n document is in its own chunk's top-n, so this cut loses nothing.
        topN: Math.min(wanted, end - start),
        maxTokensPerDoc: request.maxTokensPerDoc,
        priority: request.priority,
        extra: request.extra,
      };
      const result = await this.callOnce(target, capability, call, ctx);
      addUsage(usage, result.usage);
      const scores = result.scores;
      for (const s of scores) s.index += start;
      return scores;
    });
    const scored = perChunk.length === 1 ? perChunk[0] : perChunk.flat();
    return { scored, usage, chunks: parts.length };
  }

  private async callOnce(target: ResolvedTarget, capability: RerankCapability, call: RerankCall, ctx: RequestContext) {
    if (capability.kind === 'inprocess') {
      ctx.outcome.attempts++;
      return capability.run(call, target.upstream);
    }
    const provider = target.provider;
    return withRetries(
      async (timeoutMs) => {
        const http = capability.build(call, target.upstream);
        await provider.concurrency.acquire();
        const t0 = performance.now();
        let reply;
        try {
          reply = await provider.send(http, timeoutMs, ctx);
        } finally {
          provider.concurrency.release();
          ctx.outcome.upstreamMs += performance.now() - t0;
        }
        if (reply.status >= 300) throw provider.adapter.parseError(reply);
        const parsed = capability.parse(reply, call);
        if (parsed.scores.length > call.documents.length) throw badResponse(`${target.label}: more results than documents`);
        return parsed;
      },
      { maxRetries: provider.config.max_retries, timeoutMs: provider.config.timeout_ms, ctx },
    );
  }

  /** Applies max_tokens_per_doc in the gateway when the provider cannot truncate itself. */
  private prepareDocuments(request: RerankRequest, capability: RerankCapability): readonly RerankDocument[] {
    const max = request.maxTokensPerDoc;
    if (max === undefined || capability.nativeMaxTokensPerDoc) return request.documents;
    return request.documents.map((d) => {
      const text = truncateToTokens(d.text, max);
      return text === d.text ? d : { ...d, text };
    });
  }
}
