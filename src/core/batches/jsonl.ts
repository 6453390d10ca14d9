import type { BatchEndpoint, BatchRequest } from '../../canonical/batch.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';

/** Turns one line's `body` into a canonical request (the surface's own parser). */
export type BatchLineParser = (url: BatchEndpoint, body: unknown) => BatchRequest;

export const BATCH_ENDPOINTS: readonly BatchEndpoint[] = ['/v1/chat/completions', '/v1/embeddings'];

/** One line of an OpenAI batch input file. */
export interface BatchInputLine {
  readonly customId: string;
  readonly url: BatchEndpoint;
  readonly model: string;
  readonly request: BatchRequest;
}

/** Most lines an input file may hold (OpenAI's limit). */
export const MAX_BATCH_LINES = 50_000;

/**
 * Reads and checks a whole OpenAI batch input file: every line JSON with a unique
 * `custom_id`, `method: POST`, a supported `url` and a body the surface's parser accepts;
 * one `url` and one `model` for the file. The first bad line is a 400 naming its number.
 */
export function readBatchInput(content: Buffer, parse: BatchLineParser): BatchInputLine[] {
  const lines = content.toString('utf8').split('\n');
  const out: BatchInputLine[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    const at = `line ${i + 1}`;
    let doc: any;
    try {
      doc = JSON.parse(text);
    } catch {
      throw fileError(`${at} is not valid JSON`, i + 1);
    }
    if (typeof doc?.custom_id !== 'string' || doc.custom_id === '') throw fileError(`${at}: custom_id must be a non-empty string`, i + 1);
    if (seen.has(doc.custom_id)) throw fileError(`${at}: custom_id '${doc.custom_id}' is used twice`, i + 1);
    seen.add(doc.custom_id);
    if (doc.method !== 'POST') throw fileError(`${at}: method must be POST`, i + 1);
    if (!BATCH_ENDPOINTS.includes(doc.url)) throw fileError(`${at}: url must be one of ${BATCH_ENDPOINTS.join(', ')}`, i + 1);
    if (out.length > 0 && doc.url !== out[0].url) throw fileError(`${at}: every line of a batch must use the same url`, i + 1);
    if (!doc.body || typeof doc.body !== 'object' || Array.isArray(doc.body)) throw fileError(`${at}: body must be a JSON object`, i + 1);
    let request: BatchRequest;
    try {
      request = parse(doc.url, { ...doc.body, stream: undefined });
    } catch (err) {
      throw fileError(`${at}: ${err instanceof GatewayError ? err.message : String(err)}`, i + 1);
    }
    if (out.length > 0 && request.request.model !== out[0].model)
      throw fileError(`${at}: every line of a batch must name the same model (${out[0].model})`, i + 1);
    out.push({ customId: doc.custom_id, url: doc.url, model: request.request.model, request });
    if (out.length > MAX_BATCH_LINES) throw fileError(`a batch file holds at most ${MAX_BATCH_LINES} requests`, i + 1);
  }
  if (out.length === 0) throw invalidRequest('the batch file holds no requests', 'file');
  return out;
}

const fileError = (message: string, line: number): GatewayError => invalidRequest(`${message} (line ${line})`, 'file');
