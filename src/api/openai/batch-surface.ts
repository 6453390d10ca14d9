import { openAiErrors } from '../envelopes.js';
import { defineSurface } from '../surface.js';
import { batchRoutes } from './batches.js';
import { type BatchSurfaceDeps, fileRoutes } from './files.js';

/** `/v1/files` and `/v1/batches`: OpenAI's batch API on Bedrock model invocation jobs, files in S3. */
export const batchSurface = defineSurface<BatchSurfaceDeps>({
  name: 'openai-batch',
  listener: 'proxy',
  // Uploads are multipart/form-data; batch creation is JSON.
  body: { kind: 'json', multipart: true },
  auth: 'key',
  errors: openAiErrors,
  tags: ['openai'],
  routes: [...fileRoutes, ...batchRoutes],
});
