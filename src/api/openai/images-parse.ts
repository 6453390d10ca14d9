import { z } from 'zod';
import type { ImageRequest } from '../../canonical/images.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { fromZod } from '../rerank/parse.js';
import { formValue } from './multipart.js';

/** OpenAI's image request fields; anything else is a model-native extra the provider maps or refuses. */
export const imageGenerationSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.string().min(1).optional(),
  n: z.number().int().min(1).max(10).default(1),
  size: z.string().optional(),
  quality: z.string().optional(),
  style: z.string().optional(),
  response_format: z.enum(['b64_json', 'url']).optional(),
  output_format: z.string().optional(),
  user: z.string().optional(),
  extra_body: z.record(z.string(), z.unknown()).optional(),
});

const KNOWN = new Set([
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'style',
  'response_format',
  'output_format',
  'user',
  'extra_body',
  'image',
  'images',
  'image[]',
  'mask',
]);

/** Rankway keeps no generated images, so it has no URL to hand out: said before anything is generated. */
function refuseUrl(format: string | undefined): void {
  if (format === 'url') {
    throw invalidRequest(
      "response_format 'url' is not supported: Rankway does not store generated images, so there is no URL to return. Use response_format 'b64_json' (the default) and decode the image",
      'response_format',
    );
  }
}

function extrasOf(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in body) if (!KNOWN.has(key) && body[key] !== undefined) out[key] = body[key];
  // A literal `extra_body` (as the seed's curl example sends it) joins the extras.
  const extra = body.extra_body as Record<string, unknown> | undefined;
  if (extra) Object.assign(out, extra);
  return out;
}

/** A data URL or bare base64 into bytes. */
function decodeImage(value: unknown, param: string): Uint8Array {
  const text = typeof value === 'string' ? value : (value as { image_url?: unknown } | null)?.image_url;
  if (typeof text !== 'string' || text === '')
    throw invalidRequest(`${param} must be a base64 image, a data: URL or {image_url: "data:..."}`, param);
  const m = /^data:[^;,]*;base64,(.*)$/s.exec(text);
  if (!m && /^[a-z]+:/i.test(text))
    throw invalidRequest(`${param}: only data: URLs are accepted (Rankway does not fetch remote images)`, param);
  const bytes = Buffer.from(m ? m[1] : text, 'base64');
  if (bytes.length === 0) throw invalidRequest(`${param} is empty`, param);
  return bytes;
}

function fromBody(task: ImageRequest['task'], body: unknown, images: readonly Uint8Array[], mask: Uint8Array | undefined): ImageRequest {
  const parsed = imageGenerationSchema.safeParse(body);
  if (!parsed.success) throw fromZod(parsed.error);
  const b = parsed.data;
  refuseUrl(b.response_format);
  if (task === 'generate' && b.prompt === undefined) throw invalidRequest('prompt is required', 'prompt');
  return {
    task,
    model: b.model,
    prompt: b.prompt,
    n: b.n,
    size: b.size,
    quality: b.quality,
    style: b.style,
    outputFormat: b.output_format,
    images,
    mask,
    extras: extrasOf(b),
  };
}

/** `POST /v1/images/generations`, JSON. */
export function parseImageGeneration(body: unknown): ImageRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('request body must be a JSON object');
  return fromBody('generate', body, [], undefined);
}

/** `POST /v1/images/edits` as JSON: `images: [{image_url}]` (or `image`) and `mask` as data URLs or base64. */
export function parseImageEditJson(body: unknown): ImageRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const list = b.images ?? (b.image === undefined ? [] : Array.isArray(b.image) ? b.image : [b.image]);
  if (!Array.isArray(list) || list.length === 0) throw invalidRequest('image (or images) is required', 'image');
  const images = list.map((v, i) => decodeImage(v, `images[${i}]`));
  const mask = b.mask === undefined ? undefined : decodeImage(b.mask, 'mask');
  return fromBody('edit', b, images, mask);
}

/** `POST /v1/images/edits` as multipart/form-data (what the openai SDK sends): `image` (one or more, or `image[]`), `mask`, fields. */
export async function parseImageEditForm(form: FormData): Promise<ImageRequest> {
  const images: Uint8Array[] = [];
  let mask: Uint8Array | undefined;
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') {
      const bytes = new Uint8Array(await value.arrayBuffer());
      if (name === 'image' || name === 'image[]') images.push(bytes);
      else if (name === 'mask') mask = bytes;
      else throw invalidRequest(`unexpected file field '${name}'`, name);
      continue;
    }
    fields[name] = name === 'model' || name === 'prompt' ? value : formValue(value);
  }
  if (images.length === 0) throw invalidRequest('image is required', 'image');
  return fromBody('edit', fields, images, mask);
}
