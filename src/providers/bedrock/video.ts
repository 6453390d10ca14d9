import type { VideoJob, VideoRequest } from '../../canonical/video.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody } from '../shared/json.js';
import type { HttpCall, Target, UpstreamReply, VideoCapability } from '../types.js';
import { baseModelId } from './families.js';

/** How a video family's `modelInput` is built (docs/bedrock-protocols.md §2.3). */
interface VideoFamily {
  readonly prefix: string;
  modelInput(request: VideoRequest): Record<string, unknown>;
}

const REEL_EXTRAS = new Set(['fps', 'seed', 'dimension', 'durationSeconds', 'taskType']);

function novaReel(request: VideoRequest, multiShot: boolean): Record<string, unknown> {
  for (const key in request.extras)
    if (!REEL_EXTRAS.has(key))
      throw invalidRequest(`'${key}' is not a field Nova Reel takes; extras accepted: ${[...REEL_EXTRAS].join(', ')}`, key);
  const x = request.extras;
  if (x.fps !== undefined && x.fps !== 24) throw invalidRequest('fps must be 24 for Nova Reel', 'fps');
  const dimension = x.dimension ?? (request.size === undefined ? '1280x720' : request.size);
  if (dimension !== '1280x720') throw invalidRequest(`size must be 1280x720 for Nova Reel (got '${String(dimension)}')`, 'size');
  const seconds = request.seconds ?? (x.durationSeconds as number | undefined) ?? 6;
  if (request.prompt.length > (seconds > 6 ? 4000 : 512))
    throw invalidRequest(`prompt must be at most ${seconds > 6 ? 4000 : 512} characters for Nova Reel`, 'prompt');
  const config: Record<string, unknown> = { durationSeconds: seconds, fps: 24, dimension };
  if (x.seed !== undefined) {
    if (typeof x.seed !== 'number' || !Number.isInteger(x.seed) || x.seed < 0 || x.seed > 2_147_483_646)
      throw invalidRequest('seed must be an integer from 0 to 2147483646', 'seed');
    config.seed = x.seed;
  }
  if (seconds === 6) {
    const params: Record<string, unknown> = { text: request.prompt };
    if (request.image)
      params.images = [
        { format: formatOf(request.image.mediaType), source: { bytes: Buffer.from(request.image.bytes).toString('base64') } },
      ];
    return { taskType: 'TEXT_VIDEO', textToVideoParams: params, videoGenerationConfig: config };
  }
  if (!multiShot) throw invalidRequest('seconds must be 6 for Nova Reel v1.0 (v1.1 also takes 12 to 120 in steps of 6)', 'seconds');
  if (!Number.isInteger(seconds) || seconds < 12 || seconds > 120 || seconds % 6 !== 0)
    throw invalidRequest('seconds must be 6, or 12 to 120 in steps of 6, for Nova Reel v1.1', 'seconds');
  if (request.image) throw invalidRequest('input_reference applies to 6-second Nova Reel videos only', 'input_reference');
  return { taskType: 'MULTI_SHOT_AUTOMATED', multiShotAutomatedParams: { text: request.prompt }, videoGenerationConfig: config };
}

function formatOf(mediaType: string): string {
  if (mediaType === 'image/png') return 'png';
  if (mediaType === 'image/jpeg') return 'jpeg';
  throw invalidRequest('input_reference must be a PNG or JPEG image', 'input_reference');
}

/** OpenAI-style sizes onto Luma Ray's aspect ratio and resolution. */
const LUMA_SIZES: Readonly<Record<string, [string, string]>> = {
  '1280x720': ['16:9', '720p'],
  '960x540': ['16:9', '540p'],
  '720x1280': ['9:16', '720p'],
  '540x960': ['9:16', '540p'],
  '720x720': ['1:1', '720p'],
  '540x540': ['1:1', '540p'],
};
const LUMA_EXTRAS = new Set(['aspect_ratio', 'resolution', 'loop', 'duration']);

function lumaRay(request: VideoRequest): Record<string, unknown> {
  for (const key in request.extras)
    if (!LUMA_EXTRAS.has(key))
      throw invalidRequest(`'${key}' is not a field Luma Ray takes; extras accepted: ${[...LUMA_EXTRAS].join(', ')}`, key);
  if (request.image) throw invalidRequest('input_reference is not supported for Luma Ray through Rankway', 'input_reference');
  const body: Record<string, unknown> = { prompt: request.prompt, ...request.extras };
  if (request.seconds !== undefined) {
    if (request.seconds !== 5 && request.seconds !== 9) throw invalidRequest('seconds must be 5 or 9 for Luma Ray', 'seconds');
    body.duration = `${request.seconds}s`;
  }
  if (request.size !== undefined) {
    const mapped = LUMA_SIZES[request.size];
    if (!mapped) throw invalidRequest(`size must be one of ${Object.keys(LUMA_SIZES).join(', ')} for Luma Ray`, 'size');
    [body.aspect_ratio, body.resolution] = mapped;
  }
  return body;
}

const FAMILIES: readonly VideoFamily[] = [
  { prefix: 'amazon.nova-reel-v1:0', modelInput: (r) => novaReel(r, false) },
  { prefix: 'amazon.nova-reel', modelInput: (r) => novaReel(r, true) },
  { prefix: 'luma.ray', modelInput: lumaRay },
];

export function videoFamily(modelId: string): VideoFamily | undefined {
  const base = baseModelId(modelId);
  return FAMILIES.find((f) => base.startsWith(f.prefix));
}

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/;

/** The async-invoke ARN as one path segment, encoded as the AWS SDKs encode `{invocationArn}`. */
export const asyncInvokePath = (arn: string): string => `/async-invoke/${encodeURIComponent(arn)}`;

/** Seconds of video a request asks for, as billed. */
export function videoSeconds(request: VideoRequest, target: Target): number {
  if (request.seconds !== undefined) return request.seconds;
  return baseModelId(target.model).startsWith('luma.') ? 5 : 6;
}

/** StartAsyncInvoke / GetAsyncInvoke / ListAsyncInvokes and the S3 read of the result; `outputS3Uri` is the provider's default location. */
export const bedrockVideo = (outputS3Uri: string | undefined): VideoCapability => ({
  seconds: videoSeconds,
  buildStart(request: VideoRequest, target: Target, token: string): HttpCall {
    const family = videoFamily(target.model);
    if (!family) throw invalidRequest(`Bedrock model '${target.model}' is not a video model Rankway knows (Nova Reel, Luma Ray)`, 'model');
    const modelInput = family.modelInput(request);
    const uri = request.outputS3Uri ?? outputS3Uri;
    if (!uri)
      throw invalidRequest(
        'no S3 output location: set video_output_s3_uri on the Bedrock provider, or send output_s3_uri',
        'output_s3_uri',
      );
    if (!S3_URI.test(uri)) throw invalidRequest(`output_s3_uri must be an s3://bucket/prefix URI (got '${uri}')`, 'output_s3_uri');
    return {
      method: 'POST',
      endpoint: 'runtime',
      path: '/async-invoke',
      body: { clientRequestToken: token, modelId: target.model, modelInput, outputDataConfig: { s3OutputDataConfig: { s3Uri: uri } } },
    };
  },
  parseStart(reply: UpstreamReply): string {
    const doc = parseJsonBody(reply.body, 'bedrock') as { invocationArn?: unknown };
    if (typeof doc?.invocationArn !== 'string') throw badResponse('StartAsyncInvoke answer without invocationArn');
    return doc.invocationArn;
  },
  buildGet: (arn: string): HttpCall => ({ method: 'GET', endpoint: 'runtime', path: asyncInvokePath(arn) }),
  parseGet(reply: UpstreamReply): VideoJob {
    return jobOf(parseJsonBody(reply.body, 'bedrock') as Record<string, any>);
  },
  buildList: (maxResults: number): HttpCall => ({
    method: 'GET',
    endpoint: 'runtime',
    path: `/async-invoke?maxResults=${maxResults}&sortBy=SubmissionTime&sortOrder=Descending`,
  }),
  parseList(reply: UpstreamReply): VideoJob[] {
    const doc = parseJsonBody(reply.body, 'bedrock') as { asyncInvokeSummaries?: unknown };
    return Array.isArray(doc?.asyncInvokeSummaries) ? doc.asyncInvokeSummaries.map(jobOf) : [];
  },
  /** GetObject of `<outputUri>/output.mp4`, path-style on the provider's S3 endpoint, signed for `s3`. */
  buildContent(outputUri: string): HttpCall {
    const m = S3_URI.exec(outputUri);
    if (!m) throw badResponse(`unexpected output location ${outputUri}`);
    const key = `${(m[2] ?? '').replace(/^\/+|\/+$/g, '')}/output.mp4`.replace(/^\//, '');
    const path = `/${m[1]}/${key.split('/').map(encodeURIComponent).join('/')}`;
    return { method: 'GET', endpoint: 's3', path, headers: { 'x-amz-content-sha256': EMPTY_SHA256, accept: 'video/mp4' } };
  },
});

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Bedrock's three statuses, exactly: InProgress, Completed, Failed. */
const STATUS: Readonly<Record<string, VideoJob['status']>> = { InProgress: 'in_progress', Completed: 'completed', Failed: 'failed' };

function jobOf(doc: Record<string, any>): VideoJob {
  if (typeof doc?.invocationArn !== 'string') throw badResponse('async invoke without invocationArn');
  const status = STATUS[doc.status];
  if (!status) throw badResponse(`unknown async invoke status '${String(doc.status)}'`);
  return {
    upstreamId: doc.invocationArn,
    upstreamStatus: doc.status,
    status,
    modelArn: doc.modelArn,
    submitTime: doc.submitTime,
    endTime: doc.endTime,
    failureMessage: doc.failureMessage,
    outputUri: doc.outputDataConfig?.s3OutputDataConfig?.s3Uri,
  };
}

/** Seconds a native StartAsyncInvoke `modelInput` asks for (Nova Reel's durationSeconds, Luma's `5s`), for billing. */
export function nativeVideoSeconds(modelInput: unknown): number {
  const input = modelInput as { videoGenerationConfig?: { durationSeconds?: unknown }; duration?: unknown; taskType?: unknown } | undefined;
  const reel = input?.videoGenerationConfig?.durationSeconds;
  if (typeof reel === 'number' && Number.isFinite(reel) && reel > 0) return reel;
  if (typeof input?.duration === 'string' && /^\d+s$/.test(input.duration)) return Number(input.duration.slice(0, -1));
  return input?.taskType === undefined ? 5 : 6;
}
