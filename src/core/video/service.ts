import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { VideoJob, VideoRequest } from '../../canonical/video.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { VideoCapability } from '../../providers/types.js';
import type { RequestContext } from '../context.js';
import { gate } from '../policy.js';
import { recordTarget, recordUsage } from '../outcome.js';
import { relay } from '../relay.js';
import type { ResolvedTarget, Router } from '../router.js';
import { callUpstream } from '../unary-call.js';

/** A job together with the model name it was created under (what the allow-list is checked against). */
export interface VideoHandle {
  readonly model: string;
  readonly job: VideoJob;
  readonly seconds?: number;
}

/** What a video id carries: the model it was made with, the key that made it and the upstream job id. */
interface VideoRef {
  readonly m: string;
  readonly k: string;
  readonly u: string;
}

const PREFIX = 'video_';

/**
 * Video generation on asynchronous upstream jobs. Rankway keeps no state: the id it hands
 * out encodes the model, the creating key and the upstream job, so any instance of a fleet
 * (and a restarted one) can answer for it; the allow-list and the key are checked on every read.
 */
export class VideoService {
  constructor(private readonly router: Router) {}

  static idOf(ref: { model: string; keyId: string; upstreamId: string }): string {
    return PREFIX + Buffer.from(JSON.stringify({ m: ref.model, k: ref.keyId, u: ref.upstreamId } satisfies VideoRef)).toString('base64url');
  }

  async create(request: VideoRequest, ctx: RequestContext): Promise<VideoHandle> {
    ctx.outcome.operation = 'generate_content';
    const { target, capability } = this.resolve(request.model, ctx);
    const token = randomUUID();
    const upstreamId = await callUpstream(target, capability.buildStart(request, target.upstream, token), ctx, (reply) =>
      capability.parseStart(reply),
    );
    const seconds = capability.seconds(request, target.upstream);
    // Billed when the job is accepted: the seconds asked for at the model's per-second price.
    recordUsage(ctx, target, { inputTokens: 0, outputTokens: 0, searchUnits: 0, queries: 0, videoSeconds: seconds });
    return {
      model: request.model,
      seconds,
      job: { upstreamId, upstreamStatus: 'InProgress', status: 'in_progress', submitTime: new Date().toISOString() },
    };
  }

  async get(id: string, ctx: RequestContext): Promise<VideoHandle> {
    const ref = this.decode(id, ctx);
    const { target, capability } = this.resolve(ref.m, ctx);
    const job = await callUpstream(target, capability.buildGet(ref.u), ctx, (reply) => capability.parseGet(reply));
    return { model: ref.m, job };
  }

  /** Recent jobs of one model (newest first), as the upstream lists them for the model's provider. */
  async list(model: string, limit: number, ctx: RequestContext): Promise<VideoHandle[]> {
    const { target, capability } = this.resolve(model, ctx);
    const jobs = await callUpstream(target, capability.buildList(limit), ctx, (reply) => capability.parseList(reply));
    return jobs.map((job) => ({ model, job }));
  }

  /** The finished video, streamed from where the upstream wrote it. */
  async content(
    id: string,
    ctx: RequestContext,
    signal: AbortSignal,
  ): Promise<{ status: number; headers: Record<string, unknown>; body: Readable }> {
    const ref = this.decode(id, ctx);
    const { target, capability } = this.resolve(ref.m, ctx);
    const job = await callUpstream(target, capability.buildGet(ref.u), ctx, (reply) => capability.parseGet(reply));
    if (job.status !== 'completed' || !job.outputUri) {
      throw new GatewayError(
        'resource_conflict',
        `Video ${id} is ${job.status}${job.failureMessage ? `: ${job.failureMessage}` : ''}; its content is available once it is completed`,
        { param: 'video_id' },
      );
    }
    return relay(target, capability.buildContent(job.outputUri), ctx, signal);
  }

  private resolve(model: string, ctx: RequestContext): { target: ResolvedTarget; capability: VideoCapability } {
    const route = this.router.route(model, 'video', [], gate(ctx));
    const target = route.targets[0];
    recordTarget(ctx, target);
    return { target, capability: target.provider.adapter.capabilities.video! };
  }

  private decode(id: string, ctx: RequestContext): VideoRef {
    let ref: VideoRef | undefined;
    if (id.startsWith(PREFIX)) {
      try {
        ref = JSON.parse(Buffer.from(id.slice(PREFIX.length), 'base64url').toString('utf8')) as VideoRef;
      } catch {
        ref = undefined;
      }
    }
    // Another key's video is answered exactly like one that does not exist.
    if (!ref || typeof ref.m !== 'string' || typeof ref.u !== 'string' || ref.k !== ctx.caller.keyId) {
      throw new GatewayError('resource_not_found', `No video with id '${id}'`, { param: 'video_id' });
    }
    return ref;
  }
}
