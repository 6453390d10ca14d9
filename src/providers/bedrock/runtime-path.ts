import { encodeModelIdForPath } from '../../auth/upstream/sigv4.js';
import { invalidRequest } from '../../errors/gateway-error.js';

/**
 * `/model/{modelId}/{action}` with the id as one encoded path label (protocols §4.1). The
 * encoding turns `/` into `%2F`, so only an id that is itself `.` or `..` could still move
 * the path; that is refused here too, whatever checked it before.
 */
export function runtimePath(modelId: string, action: string): string {
  const label = encodeModelIdForPath(modelId);
  if (label === '' || label === '.' || label === '..') throw invalidRequest(`'${modelId}' is not a model id`, 'modelId');
  return `/model/${label}/${action}`;
}
