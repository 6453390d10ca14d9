import type { VideoRequest } from '../../canonical/video.js';
import type { RoutingTable } from '../../core/router.js';
import type { VideoHandle, VideoService } from '../../core/video/service.js';
import { VideoService as Ids } from '../../core/video/service.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { lookupFor } from '../bedrock/model-lookup.js';
import { openAiErrors } from '../envelopes.js';
import { defineSurface } from '../surface.js';
import { formValue } from './multipart.js';

export interface VideoSurfaceDeps {
  readonly videos: VideoService;
  readonly routing: () => RoutingTable;
}

const KNOWN = new Set(['model', 'prompt', 'seconds', 'size', 'input_reference', 'output_s3_uri', 'extra_body', 'user']);
const PROGRESS = { queued: 0, in_progress: 50, completed: 100, failed: 100 } as const;
const epoch = (iso: string | undefined): number | null => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

/** OpenAI's Video object, plus the upstream's own status and job id (`upstream_status`, `upstream_id`). */
function render(h: VideoHandle, keyId: string, extra: { seconds?: number; size?: string } = {}): Record<string, unknown> {
  const { job } = h;
  return {
    id: Ids.idOf({ model: h.model, keyId, upstreamId: job.upstreamId }),
    object: 'video',
    model: h.model,
    status: job.status,
    progress: PROGRESS[job.status],
    created_at: epoch(job.submitTime) ?? Math.floor(Date.now() / 1000),
    completed_at: job.status === 'completed' ? epoch(job.endTime) : null,
    expires_at: null,
    seconds: extra.seconds === undefined ? null : String(extra.seconds),
    size: extra.size ?? null,
    error: job.status === 'failed' ? { code: 'generation_failed', message: job.failureMessage ?? 'the video generation failed' } : null,
    remixed_from_video_id: null,
    upstream_status: job.upstreamStatus,
    upstream_id: job.upstreamId,
  };
}

async function parseCreate(body: unknown): Promise<VideoRequest> {
  let fields: Record<string, unknown>;
  let image: VideoRequest['image'];
  if (body instanceof FormData) {
    fields = {};
    for (const [name, value] of body.entries()) {
      if (typeof value === 'string') fields[name] = name === 'model' || name === 'prompt' || name === 'size' ? value : formValue(value);
      else if (name === 'input_reference') image = { bytes: new Uint8Array(await value.arrayBuffer()), mediaType: value.type };
      else throw invalidRequest(`unexpected file field '${name}'`, name);
    }
  } else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    fields = body as Record<string, unknown>;
  } else {
    throw invalidRequest('request body must be a JSON object or multipart/form-data');
  }
  const { model, prompt, size, output_s3_uri } = fields;
  if (typeof model !== 'string' || model === '') throw invalidRequest('model is required', 'model');
  if (typeof prompt !== 'string' || prompt === '') throw invalidRequest('prompt is required', 'prompt');
  if (size !== undefined && typeof size !== 'string') throw invalidRequest('size must be a string such as 1280x720', 'size');
  if (output_s3_uri !== undefined && typeof output_s3_uri !== 'string')
    throw invalidRequest('output_s3_uri must be an s3:// URI', 'output_s3_uri');
  const seconds = fields.seconds === undefined ? undefined : Number(fields.seconds);
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds <= 0))
    throw invalidRequest('seconds must be a whole number of seconds', 'seconds');
  const extras: Record<string, unknown> = {};
  for (const key in fields) if (!KNOWN.has(key) && fields[key] !== undefined) extras[key] = fields[key];
  // A literal `extra_body` (the seed's curl example) joins the extras.
  if (fields.extra_body && typeof fields.extra_body === 'object') Object.assign(extras, fields.extra_body);
  return { model, prompt, seconds, size, image, outputS3Uri: output_s3_uri, extras };
}

const ERRORS = [400, 401, 403, 404, 409, 429, 502, 503, 504] as const;
const VIDEO = { raw: 'OpenAI Video object (plus `upstream_status` and `upstream_id`)', mediaTypes: ['application/json'] } as const;

/** The model name the router resolves for what the caller sent (see `VideoSurfaceDeps.routing`). */
function modelNames(routing: () => RoutingTable): (model: string) => string {
  const lookup = lookupFor(routing);
  // A bare Bedrock model id (`amazon.nova-reel-v1:0`, as Kong's example sends it) is served by an alias that claims it or the Bedrock provider.
  return (model) => (model.includes('/') || routing().models.has(model) ? model : lookup().resolve(model));
}

/** OpenAI's video routes on asynchronous upstream jobs (JSON or multipart). */
export const videosSurface = defineSurface<VideoSurfaceDeps>({
  name: 'openai-videos',
  listener: 'proxy',
  body: { kind: 'json', multipart: true },
  auth: 'key',
  errors: openAiErrors,
  tags: ['openai'],
  routes: [
    {
      method: 'post',
      path: '/v1/videos',
      doc: {
        summary: 'Start a video generation (OpenAI compatible) on Bedrock StartAsyncInvoke',
        description:
          "JSON or multipart. Nova Reel and Luma Ray; `seconds`, `size` and extras such as `fps` map into the model input; the output goes to the provider's `video_output_s3_uri` or the request's `output_s3_uri`.",
        rawRequest: 'JSON or multipart/form-data',
        response: VIDEO,
        errors: ERRORS,
      },
      handler: ({ videos, routing }) => {
        const modelName = modelNames(routing);
        return async (request) => {
          request.ctx.surface = 'openai-videos';
          const parsed = await parseCreate(request.body);
          const handle = await videos.create({ ...parsed, model: modelName(parsed.model) }, request.ctx);
          return render(handle, request.ctx.caller.keyId, { seconds: handle.seconds, size: parsed.size });
        };
      },
    },
    {
      method: 'get',
      path: '/v1/videos',
      doc: {
        summary: 'Recent videos of one model (`?model=`), from ListAsyncInvokes',
        response: { raw: '`{object: "list", data: [Video]}`', mediaTypes: ['application/json'] },
        errors: ERRORS,
      },
      handler: ({ videos, routing }) => {
        const modelName = modelNames(routing);
        return async (request) => {
          request.ctx.surface = 'openai-videos';
          const { model, limit } = request.query as { model?: string; limit?: string };
          if (!model)
            throw invalidRequest('model is required: Rankway lists the video jobs of one model (GET /v1/videos?model=...)', 'model');
          const n = limit === undefined ? 20 : Number(limit);
          if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalidRequest('limit must be 1-1000', 'limit');
          const handles = await videos.list(modelName(model), n, request.ctx);
          const data = handles.map((h) => render(h, request.ctx.caller.keyId));
          return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
        };
      },
    },
    {
      method: 'get',
      path: '/v1/videos/:id',
      doc: {
        path: '/v1/videos/{video_id}',
        summary: 'A video job, from GetAsyncInvoke (InProgress → in_progress, Completed → completed, Failed → failed)',
        response: VIDEO,
        errors: ERRORS,
      },
      handler:
        ({ videos }) =>
        async (request) => {
          request.ctx.surface = 'openai-videos';
          const { id } = request.params as { id: string };
          return render(await videos.get(id, request.ctx), request.ctx.caller.keyId);
        },
    },
    {
      method: 'get',
      path: '/v1/videos/:id/content',
      doc: {
        path: '/v1/videos/{video_id}/content',
        summary: "The finished MP4, streamed from S3 with the provider's credentials",
        response: { raw: 'video/mp4 bytes', mediaTypes: ['video/mp4'] },
        errors: ERRORS,
      },
      handler:
        ({ videos }) =>
        async (request, reply) => {
          request.ctx.surface = 'openai-videos';
          const abort = new AbortController();
          reply.raw.once('close', () => {
            if (reply.raw.writableFinished) return;
            abort.abort();
            request.server.settleAbandoned(request, reply);
          });
          const { id } = request.params as { id: string };
          const opened = await videos.content(id, request.ctx, abort.signal);
          reply.header('content-type', 'video/mp4');
          const length = opened.headers['content-length'];
          if (length !== undefined) reply.header('content-length', String(length));
          return reply.send(opened.body);
        },
    },
  ],
});
