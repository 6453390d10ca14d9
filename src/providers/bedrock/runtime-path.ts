/**
 * `/model/{modelId}/{action}` as AWS SDKs send it: the id is one path label, so `:` and
 * the `/` inside ARNs are percent-encoded (protocols §4.1).
 */
export function runtimePath(modelId: string, action: string): string {
  return `/model/${encodeModelId(modelId)}/${action}`;
}

const EXTRA = /[!'()*]/g;
const encodeModelId = (id: string): string =>
  encodeURIComponent(id).replace(EXTRA, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
