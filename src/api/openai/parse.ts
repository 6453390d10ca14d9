import type { ChatMessage, ChatRequest, ChatTool, ChatToolChoice } from '../../canonical/chat.js';
import type { EmbeddingImage, EmbeddingsRequest } from '../../canonical/embeddings.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { fromZod } from '../rerank/parse.js';
import { chatRequestSchema, completionRequestSchema, embeddingsRequestSchema } from './schema.js';

/** Fields the canonical request models; everything else is an extra for the upstream. */
const CHAT_FIELDS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'user',
  'guardrailConfig',
  'extra_body',
  'fallbacks',
]);
const COMPLETION_FIELDS = new Set([...CHAT_FIELDS, 'prompt', 'echo', 'suffix', 'best_of', 'logprobs', 'n']);

function requireObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('request body must be a JSON object');
  return body as Record<string, unknown>;
}

function extras(body: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in body) if (!known.has(key) && body[key] !== undefined) out[key] = body[key];
  // A literal `extra_body` (what Python clients merge in) joins the extras.
  const extraBody = body.extra_body as Record<string, unknown> | undefined;
  if (extraBody) Object.assign(out, extraBody);
  return out;
}

const stopList = (stop: string | string[] | null | undefined): readonly string[] | undefined =>
  stop == null ? undefined : typeof stop === 'string' ? [stop] : stop;

/** `POST /v1/chat/completions` body -> canonical request. */
export function parseChatBody(raw: unknown): ChatRequest {
  const body = requireObject(raw);
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) throw fromZod(parsed.error);
  const b = parsed.data;
  const stream = b.stream === true;
  return {
    model: b.model,
    messages: b.messages as readonly ChatMessage[],
    stream,
    includeUsage: stream && b.stream_options?.include_usage === true,
    maxTokens: b.max_completion_tokens ?? b.max_tokens ?? undefined,
    maxTokensField: b.max_completion_tokens != null ? 'max_completion_tokens' : b.max_tokens != null ? 'max_tokens' : undefined,
    temperature: b.temperature ?? undefined,
    topP: b.top_p ?? undefined,
    stop: stopList(b.stop),
    tools: (b.tools ?? undefined) as readonly ChatTool[] | undefined,
    toolChoice: (b.tool_choice ?? undefined) as ChatToolChoice | undefined,
    user: b.user ?? undefined,
    guardrailConfig: b.guardrailConfig,
    extra: extras(body, CHAT_FIELDS),
    fallbacks: b.fallbacks,
  };
}

/** `POST /v1/completions`: the prompt becomes one user message on the chat path. */
export function parseCompletionBody(raw: unknown): ChatRequest {
  const body = requireObject(raw);
  const parsed = completionRequestSchema.safeParse(body);
  if (!parsed.success) throw fromZod(parsed.error);
  const b = parsed.data;
  const prompt = typeof b.prompt === 'string' ? b.prompt : b.prompt[0];
  if (prompt.trim().length === 0) throw invalidRequest('prompt must not be empty', 'prompt');
  const stream = b.stream === true;
  return {
    model: b.model,
    messages: [{ role: 'user', content: prompt }],
    stream,
    includeUsage: stream && b.stream_options?.include_usage === true,
    maxTokens: b.max_tokens ?? undefined,
    maxTokensField: b.max_tokens != null ? 'max_tokens' : undefined,
    temperature: b.temperature ?? undefined,
    topP: b.top_p ?? undefined,
    stop: stopList(b.stop),
    user: b.user ?? undefined,
    extra: extras(body, COMPLETION_FIELDS),
    fallbacks: b.fallbacks,
  };
}

/** `POST /v1/embeddings` body -> canonical request. */
export function parseEmbeddingsBody(raw: unknown): EmbeddingsRequest {
  const body = requireObject(raw);
  const parsed = embeddingsRequestSchema.safeParse(body);
  if (!parsed.success) throw fromZod(parsed.error);
  const b = parsed.data;
  const items = typeof b.input === 'string' ? [b.input] : b.input;
  const inputs = items.map((item) => (typeof item === 'string' ? item : (item.text ?? '')));
  const anyImage = items.some((item) => typeof item !== 'string' && item.image !== undefined);
  const images = anyImage
    ? items.map((item, i) => (typeof item === 'string' || item.image === undefined ? null : imageOf(item.image, i)))
    : undefined;
  return {
    model: b.model,
    inputs,
    images,
    encoding: b.encoding_format ?? 'float',
    dimensions: b.dimensions,
    inputType: b.input_type,
    user: b.user,
    fallbacks: b.fallbacks,
  };
}

/** `data:image/png;base64,...` or bare base64 (taken as PNG); JPEG and PNG only, as the Bedrock models take. */
function imageOf(value: string, index: number): EmbeddingImage {
  const m = /^data:(image\/[a-z+.-]+);base64,(.*)$/s.exec(value);
  const mediaType = m ? m[1] : 'image/png';
  const base64 = (m ? m[2] : value).replace(/\s+/g, '');
  if (mediaType !== 'image/png' && mediaType !== 'image/jpeg')
    throw invalidRequest(`input[${index}].image must be a PNG or JPEG image (got ${mediaType})`, 'input');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0)
    throw invalidRequest(`input[${index}].image must be a data URL or base64-encoded bytes`, 'input');
  return { base64, mediaType };
}
