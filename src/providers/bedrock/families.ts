/**
 * Bedrock model families, keyed by model-id prefix. Everything that differs between
 * families lives in these tables; translators look a family up once per request.
 */

/** How a chat family behaves under Converse. */
export interface ChatFamily {
  readonly prefix: string;
  /** Accepts Converse `system` blocks; otherwise system text is put before the first user turn. */
  readonly systemPrompt: boolean;
  /** Accepts `toolChoice: {tool: {name}}` (AWS documents it for Anthropic and Nova only). */
  readonly namedToolChoice: boolean;
}

/** How an embeddings family is called through InvokeModel. */
export interface EmbeddingsFamily {
  readonly prefix: string;
  readonly shape: 'titan-v2' | 'titan-v1' | 'cohere' | 'titan-multimodal' | 'cohere-v4';
  /** Takes images as well as text. */
  readonly images: boolean;
  /** Inputs one InvokeModel call takes. */
  readonly maxInputsPerCall: number;
}

const CHAT_FAMILIES: readonly ChatFamily[] = [
  { prefix: 'anthropic.', systemPrompt: true, namedToolChoice: true },
  { prefix: 'amazon.nova', systemPrompt: true, namedToolChoice: true },
  { prefix: 'amazon.titan-text', systemPrompt: false, namedToolChoice: false },
  { prefix: 'meta.llama', systemPrompt: true, namedToolChoice: false },
  { prefix: 'mistral.mistral-large', systemPrompt: true, namedToolChoice: false },
  { prefix: 'mistral.pixtral', systemPrompt: true, namedToolChoice: false },
  { prefix: 'mistral.', systemPrompt: false, namedToolChoice: false },
  { prefix: 'cohere.command', systemPrompt: true, namedToolChoice: false },
  { prefix: 'ai21.', systemPrompt: true, namedToolChoice: false },
  { prefix: 'deepseek.', systemPrompt: true, namedToolChoice: false },
  { prefix: 'openai.', systemPrompt: true, namedToolChoice: false },
  { prefix: 'qwen.', systemPrompt: true, namedToolChoice: false },
];
const DEFAULT_CHAT: ChatFamily = { prefix: '', systemPrompt: true, namedToolChoice: false };

const EMBEDDINGS_FAMILIES: readonly EmbeddingsFamily[] = [
  { prefix: 'amazon.titan-embed-text-v2', shape: 'titan-v2', maxInputsPerCall: 1, images: false },
  { prefix: 'amazon.titan-embed-text-v1', shape: 'titan-v1', maxInputsPerCall: 1, images: false },
  { prefix: 'amazon.titan-embed-g1-text', shape: 'titan-v1', maxInputsPerCall: 1, images: false },
  // Titan Multimodal Embeddings G1: text, an image or both per call, one joint vector.
  { prefix: 'amazon.titan-embed-image-v1', shape: 'titan-multimodal', maxInputsPerCall: 1, images: true },
  { prefix: 'cohere.embed-v4', shape: 'cohere-v4', maxInputsPerCall: 96, images: true },
  { prefix: 'cohere.embed-', shape: 'cohere', maxInputsPerCall: 96, images: false },
];

const byLongestPrefix = <T extends { prefix: string }>(list: readonly T[]): readonly T[] =>
  [...list].sort((a, b) => b.prefix.length - a.prefix.length);
const CHAT = byLongestPrefix(CHAT_FAMILIES);
const EMBEDDINGS = byLongestPrefix(EMBEDDINGS_FAMILIES);

// Cross-region inference profiles put a geography before the provider: `us.anthropic...`.
const GEO_PREFIX = /^(?:us|eu|apac|global|us-gov|jp|au|ca)\./;

/**
 * The foundation-model id inside any accepted form: a plain id, an inference-profile id
 * (`us.anthropic...`) or an ARN (`arn:aws:bedrock:...:inference-profile/us.anthropic...`).
 * Opaque ARNs (provisioned models, application profiles) yield their last segment.
 */
export function baseModelId(modelId: string): string {
  const id = modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return id.replace(GEO_PREFIX, '');
}

export function chatFamily(modelId: string): ChatFamily {
  const base = baseModelId(modelId);
  return CHAT.find((f) => base.startsWith(f.prefix)) ?? DEFAULT_CHAT;
}

export function embeddingsFamily(modelId: string): EmbeddingsFamily | undefined {
  const base = baseModelId(modelId);
  return EMBEDDINGS.find((f) => base.startsWith(f.prefix));
}

/** How an image family is called through InvokeModel (docs/bedrock-protocols.md §1). */
export interface ImageFamily {
  readonly prefix: string;
  /** `nova`: Nova Canvas / Titan Image Generator `taskType` bodies; `stability`: Stability AI's flat body. */
  readonly shape: 'nova' | 'stability';
  /** Images one call can return (`numberOfImages`; Stability returns one). */
  readonly maxImages: number;
  /** `range`: Nova Canvas's width/height rules; `list`: Titan's fixed sizes; `aspect`: Stability's aspect ratios. */
  readonly sizes: 'range' | 'list' | 'aspect';
  /** Values of `textToImageParams.style` the model takes (none: `style` is refused). */
  readonly styles: readonly string[];
  /** Nova-shaped edit tasks the model takes. */
  readonly editTasks: readonly string[];
}

const NOVA_STYLES = [
  '3D_ANIMATED_FAMILY_FILM',
  'DESIGN_SKETCH',
  'FLAT_VECTOR_ILLUSTRATION',
  'GRAPHIC_NOVEL_ILLUSTRATION',
  'MAXIMALISM',
  'MIDCENTURY_RETRO',
  'PHOTOREALISM',
  'SOFT_DIGITAL_PAINTING',
] as const;
const ALL_EDITS = ['IMAGE_VARIATION', 'INPAINTING', 'OUTPAINTING', 'BACKGROUND_REMOVAL'] as const;

const IMAGE_FAMILIES: readonly ImageFamily[] = [
  { prefix: 'amazon.nova-canvas', shape: 'nova', maxImages: 5, sizes: 'range', styles: NOVA_STYLES, editTasks: ALL_EDITS },
  { prefix: 'amazon.titan-image-generator-v2', shape: 'nova', maxImages: 5, sizes: 'list', styles: [], editTasks: ALL_EDITS },
  {
    prefix: 'amazon.titan-image-generator-v1',
    shape: 'nova',
    maxImages: 5,
    sizes: 'list',
    styles: [],
    editTasks: ['IMAGE_VARIATION', 'INPAINTING', 'OUTPAINTING'],
  },
  { prefix: 'stability.', shape: 'stability', maxImages: 1, sizes: 'aspect', styles: [], editTasks: [] },
];
const IMAGES = byLongestPrefix(IMAGE_FAMILIES);

export function imageFamily(modelId: string): ImageFamily | undefined {
  const base = baseModelId(modelId);
  return IMAGES.find((f) => base.startsWith(f.prefix));
}
