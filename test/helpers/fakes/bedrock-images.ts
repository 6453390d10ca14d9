import type { ServerResponse } from 'node:http';
import { sendJson } from '../fake-server.js';
import { awsError, type BedrockRequest, type BedrockRoute } from './bedrock.js';

/** A valid 1x1 PNG, base64, so clients that decode images get real bytes. */
export const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const invalid = (res: ServerResponse, message: string) => awsError(res, 400, 'ValidationException', message);
const NOVA_TASKS: Record<string, string> = {
  TEXT_IMAGE: 'textToImageParams',
  IMAGE_VARIATION: 'imageVariationParams',
  INPAINTING: 'inPaintingParams',
  OUTPAINTING: 'outPaintingParams',
  BACKGROUND_REMOVAL: 'backgroundRemovalParams',
};

/** Checks a Nova Canvas / Titan body the way the service does (docs/bedrock-protocols.md §1.2) and answers `numberOfImages` images. */
function nova(b: any, res: ServerResponse): void {
  const field = NOVA_TASKS[b?.taskType];
  if (!field || typeof b[field] !== 'object') {
    invalid(res, `Malformed input request: taskType ${b?.taskType} needs ${field}`);
    return;
  }
  const extra = Object.keys(b).filter((k) => k !== 'taskType' && k !== field && k !== 'imageGenerationConfig');
  if (extra.length) {
    invalid(res, `Malformed input request: extraneous key [${extra[0]}] is not permitted`);
    return;
  }
  if (b.taskType === 'TEXT_IMAGE' && typeof b[field].text !== 'string') {
    invalid(res, 'Malformed input request: text is required');
    return;
  }
  const n = b.imageGenerationConfig?.numberOfImages ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 5) {
    invalid(res, 'numberOfImages must be 1-5');
    return;
  }
  sendJson(res, 200, { images: Array.from({ length: n }, () => TINY_PNG) });
}

const STABILITY_FIELDS = new Set(['prompt', 'negative_prompt', 'aspect_ratio', 'seed', 'output_format', 'mode', 'image', 'strength']);

/** Stability: one image per call; a prompt containing "FILTER-ME" is filtered the way Bedrock reports it. */
function stability(b: any, res: ServerResponse): void {
  if (typeof b?.prompt !== 'string') {
    invalid(res, 'prompt is required');
    return;
  }
  const extra = Object.keys(b).filter((k) => !STABILITY_FIELDS.has(k));
  if (extra.length) {
    invalid(res, `extraneous key [${extra[0]}] is not permitted`);
    return;
  }
  if (b.prompt.includes('FILTER-ME')) {
    sendJson(res, 200, { seeds: [7], finish_reasons: ['Filter reason: prompt'], images: [] });
    return;
  }
  sendJson(res, 200, { seeds: [2130420379], finish_reasons: [null], images: [TINY_PNG] });
}

/** InvokeModel for the image families, on the fake Bedrock runtime. */
export function bedrockImageRoutes(): BedrockRoute[] {
  return [
    {
      method: 'POST',
      pattern: /^\/model\/([^/]+)\/invoke$/,
      bearer: true,
      handle(req: BedrockRequest, res: ServerResponse, m: RegExpExecArray) {
        const model = decodeURIComponent(m[1]);
        if (/^(?:[a-z]+\.)?amazon\.(?:nova-canvas|titan-image-generator)/.test(model)) return nova(req.json, res);
        if (/^(?:[a-z]+\.)?stability\./.test(model)) return stability(req.json, res);
        return invalid(res, `The provided model identifier ${model} is invalid.`);
      },
    },
  ];
}
