import { adminSurface } from './admin/surface.js';
import { bedrockSurface } from './bedrock/surface.js';
import { bedrockRuntimeSurface } from './bedrock-runtime/surface.js';
import { dialectSurfaces } from './dialects/index.js';
import { healthSurface } from './health/surface.js';
import { batchSurface } from './openai/batch-surface.js';
import { imagesSurface } from './openai/images.js';
import { openAiSurface } from './openai/surface.js';
import { videosSurface } from './openai/videos.js';
import { openApiSurface } from './openapi/surface.js';
import { rerankSurface } from './rerank/surface.js';
import type { Surface } from './surface.js';

/**
 * Every surface the gateway serves, in mount order. `app.ts` mounts each with its deps; the
 * OpenAPI document is rendered from this list (a test checks it equals what a running gateway serves).
 */
export const SURFACES: readonly Surface<never>[] = [
  rerankSurface,
  ...dialectSurfaces,
  openAiSurface,
  imagesSurface,
  videosSurface,
  batchSurface,
  bedrockSurface,
  bedrockRuntimeSurface,
  openApiSurface,
  healthSurface,
  adminSurface,
];
