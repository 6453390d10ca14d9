import { invalidRequest } from '../../errors/gateway-error.js';

/**
 * `/model/{modelId}/{action}` with the id as one encoded path label (docs/protocols.md §4.1). The
 * encoding turns `/` into `%2F`, so only an id that is itself `.` or `..` could still move
 * the path; that is refused here too, whatever checked it before.
 */
export function runtimePath(modelId: string, action: string): string {
  const label = encodeModelIdForPath(modelId);
  if (label === '' || label === '.' || label === '..') throw invalidRequest(`'${modelId}' is not a model id`, 'modelId');
  return `/model/${label}/${action}`;
}

/**
 * A model id or ARN as one path segment, encoded the way AWS SDKs do:
 * encodeURIComponent plus `!'()*`, so `:` becomes `%3A` and `/` becomes `%2F`.
 * @example encodeModelIdForPath('cohere.rerank-v3-5:0') === 'cohere.rerank-v3-5%3A0'
 */
export function encodeModelIdForPath(modelId: string): string {
  return encodeURIComponent(modelId).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
