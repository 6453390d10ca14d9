import type { ImageRequest } from '../../../canonical/images.js';
import { invalidRequest } from '../../../errors/gateway-error.js';
import type { ImageFamily } from '../families.js';
import { checkNovaCanvasSize, checkTitanSize, parseSize } from './sizes.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Model-native fields a caller may add, by the name the model uses (snake_case spellings accepted too). */
const EXTRA_NAMES: Readonly<Record<string, string>> = {
  negativeText: 'negativeText',
  negative_prompt: 'negativeText',
  cfgScale: 'cfgScale',
  cfg_scale: 'cfgScale',
  seed: 'seed',
  taskType: 'taskType',
  task_type: 'taskType',
  maskPrompt: 'maskPrompt',
  mask_prompt: 'maskPrompt',
  similarityStrength: 'similarityStrength',
  similarity_strength: 'similarityStrength',
  outPaintingMode: 'outPaintingMode',
};

function nativeExtras(extras: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in extras) {
    const name = EXTRA_NAMES[key];
    if (!name)
      throw invalidRequest(
        `'${key}' is not a field Nova Canvas / Titan Image Generator takes; extras accepted: ${Object.keys(EXTRA_NAMES).join(', ')}`,
        key,
      );
    out[name] = extras[key];
  }
  return out;
}

function numberIn(value: unknown, name: string, min: number, max: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw invalidRequest(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, name);
  }
  return value;
}

/** OpenAI's quality words onto Nova's two. */
function quality(value: string | undefined): 'standard' | 'premium' | undefined {
  switch (value) {
    case undefined:
    case 'auto':
      return undefined;
    case 'standard':
    case 'low':
    case 'medium':
      return 'standard';
    case 'hd':
    case 'high':
    case 'premium':
      return 'premium';
    default:
      throw invalidRequest(`quality '${value}' is not supported: use standard, hd, low, medium, high or auto`, 'quality');
  }
}

function text(value: string | undefined, name: string, required: boolean): string | undefined {
  if (value === undefined || value === '') {
    if (required) throw invalidRequest(`${name} is required`, name);
    return undefined;
  }
  if (value.length > 1024) throw invalidRequest(`${name} must be at most 1024 characters for Nova Canvas / Titan Image Generator`, name);
  return value;
}

/** Which edit task an edit request is: named in extras, else inpainting with a mask, else a variation. */
function editTask(request: ImageRequest, named: unknown, family: ImageFamily): string {
  const task =
    named === undefined
      ? request.mask || request.extras.maskPrompt || request.extras.mask_prompt
        ? 'INPAINTING'
        : 'IMAGE_VARIATION'
      : named;
  if (typeof task !== 'string' || !family.editTasks.includes(task)) {
    throw invalidRequest(`taskType must be one of ${family.editTasks.join(', ')} for this model`, 'taskType');
  }
  return task;
}

/** The InvokeModel body for Nova Canvas and Titan Image Generator (`taskType` + params + `imageGenerationConfig`). */
export function novaImageBody(request: ImageRequest, family: ImageFamily): Record<string, unknown> {
  const x = nativeExtras(request.extras);
  if (request.outputFormat !== undefined && request.outputFormat !== 'png') {
    throw invalidRequest(
      `output_format '${request.outputFormat}' is not supported: Nova Canvas and Titan Image Generator return PNG`,
      'output_format',
    );
  }
  if (request.n < 1 || request.n > family.maxImages) throw invalidRequest(`n must be from 1 to ${family.maxImages} for this model`, 'n');
  if (request.style !== undefined) {
    if (family.styles.length === 0) throw invalidRequest('style is not supported by this model', 'style');
    if (!family.styles.includes(request.style)) throw invalidRequest(`style must be one of ${family.styles.join(', ')}`, 'style');
  }
  const size = parseSize(request.size);
  if (size) (family.sizes === 'range' ? checkNovaCanvasSize : checkTitanSize)(size.width, size.height);

  const taskType =
    request.task === 'generate'
      ? x.taskType === undefined || x.taskType === 'TEXT_IMAGE'
        ? 'TEXT_IMAGE'
        : undefined
      : editTask(request, x.taskType, family);
  if (!taskType)
    throw invalidRequest('taskType on /v1/images/generations must be TEXT_IMAGE; edit tasks go to /v1/images/edits', 'taskType');
  const negativeText = text(x.negativeText as string | undefined, 'negativeText', false);
  const params = taskParams(taskType, request, x, negativeText);
  if (taskType === 'BACKGROUND_REMOVAL') return { taskType, backgroundRemovalParams: params };

  const config: Record<string, unknown> = { numberOfImages: request.n };
  if (size) Object.assign(config, size);
  const q = quality(request.quality);
  if (q) config.quality = q;
  const cfg = numberIn(x.cfgScale, 'cfgScale', 1.1, 10);
  if (cfg !== undefined) config.cfgScale = cfg;
  const seed = numberIn(x.seed, 'seed', 0, 2_147_483_646, true);
  if (seed !== undefined) config.seed = seed;
  return { taskType, [PARAMS_FIELD[taskType]]: params, imageGenerationConfig: config };
}

const PARAMS_FIELD: Readonly<Record<string, string>> = {
  TEXT_IMAGE: 'textToImageParams',
  IMAGE_VARIATION: 'imageVariationParams',
  INPAINTING: 'inPaintingParams',
  OUTPAINTING: 'outPaintingParams',
};

function taskParams(
  taskType: string,
  request: ImageRequest,
  x: Record<string, unknown>,
  negativeText: string | undefined,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const put = (k: string, v: unknown): void => {
    if (v !== undefined) params[k] = v;
  };
  if (taskType === 'TEXT_IMAGE') {
    put('text', text(request.prompt, 'prompt', true));
    put('negativeText', negativeText);
    put('style', request.style);
    return params;
  }
  if (request.images.length === 0) throw invalidRequest('image is required', 'image');
  if (taskType === 'IMAGE_VARIATION') {
    if (request.images.length > 5) throw invalidRequest('at most 5 images for IMAGE_VARIATION', 'image');
    put('images', request.images.map(b64));
    put('text', text(request.prompt, 'prompt', false));
    put('negativeText', negativeText);
    put('similarityStrength', numberIn(x.similarityStrength, 'similarityStrength', 0.2, 1));
    return params;
  }
  if (request.images.length > 1) throw invalidRequest(`${taskType} takes one image`, 'image');
  put('image', b64(request.images[0]));
  if (taskType === 'BACKGROUND_REMOVAL') return params;
  put('text', text(request.prompt, 'prompt', taskType === 'OUTPAINTING'));
  put('negativeText', negativeText);
  const maskPrompt = x.maskPrompt as string | undefined;
  if ((maskPrompt === undefined) === (request.mask === undefined))
    throw invalidRequest(`${taskType} needs exactly one of mask (an image) or maskPrompt`, 'mask');
  put('maskPrompt', maskPrompt);
  put('maskImage', request.mask && b64(request.mask));
  if (taskType === 'OUTPAINTING') {
    const mode = x.outPaintingMode;
    if (mode !== undefined && mode !== 'DEFAULT' && mode !== 'PRECISE')
      throw invalidRequest('outPaintingMode must be DEFAULT or PRECISE', 'outPaintingMode');
    put('outPaintingMode', mode);
  }
  return params;
}
