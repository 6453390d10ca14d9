import { invalidRequest } from '../../errors/gateway-error.js';

const UNSAFE = /[\u0000-\u001f\u007f\\]/;

/**
 * A model id taken from `/model/{modelId}/...`, already percent-decoded by the router. ARNs
 * arrive with their `/` encoded as `%2F`, so slashes are legitimate, but a `.` or `..`
 * segment, an empty segment, a backslash or a control character never names a model: such
 * an id could walk the upstream path (`/model/../converse` normalises to `/converse`), so it
 * is refused before it is resolved or sent anywhere.
 * @example checkPathModelId('arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0') // ok
 */
export function checkPathModelId(modelId: string): void {
  if (modelId.length === 0) throw invalidRequest('The model id in the path is empty', 'modelId');
  if (modelId.length > 2048) throw invalidRequest('The model id in the path is longer than 2048 characters', 'modelId');
  if (UNSAFE.test(modelId)) throw invalidRequest('The model id in the path contains a control character or a backslash', 'modelId');
  for (const segment of modelId.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw invalidRequest("The model id in the path has an empty, '.' or '..' segment", 'modelId');
    }
  }
}
