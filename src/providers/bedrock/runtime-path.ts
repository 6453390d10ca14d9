import { encodeModelIdForPath } from '../../auth/upstream/sigv4.js';

/** `/model/{modelId}/{action}` with the id as one encoded path label (protocols §4.1). */
export const runtimePath = (modelId: string, action: string): string => `/model/${encodeModelIdForPath(modelId)}/${action}`;
