import type { ServerResponse } from 'node:http';
import { sendJson, startFake, type FakeServer, type RecordedRequest } from '../fake-server.js';
import { rank } from './scoring.js';

/** Options every fake reranker shares. */
export interface FakeOptions {
  /** The key the fake demands as `Authorization: Bearer <key>`; undefined = no auth. */
  readonly apiKey?: string;
  /** Upstream per-call document limit, enforced like the real service (400/422). */
  readonly maxDocuments?: number;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function checkBearer(req: RecordedRequest, res: ServerResponse, key: string | undefined, errorBody: (m: string) => unknown): boolean {
  if (key === undefined) return true;
  if (req.headers.authorization === `Bearer ${key}`) return true;
  sendJson(res, 401, errorBody('invalid api token'));
  return false;
}

/** Cohere v1/v2 rerank (also Heroku and Azure): `{id, results, meta}`; errors `{id?, message}`. */
export function startFakeCohere(options: FakeOptions = {}): Promise<FakeServer> {
  const max = options.maxDocuments ?? 10_000;
  return startFake((req, res) => {
    const err = (m: string) => ({ id: 'err-1', message: m });
    if (!checkBearer(req, res, options.apiKey, err)) return;
    if (req.method !== 'POST' || (req.path !== '/v2/rerank' && req.path !== '/v1/rerank')) return sendJson(res, 404, err('not found'));
    const b = req.json;
    const v2 = req.path === '/v2/rerank';
    if (!b || typeof b.model !== 'string') return sendJson(res, 400, err('invalid request: model is required'));
    if (typeof b.query !== 'string' || !b.query) return sendJson(res, 400, err('invalid request: query is required'));
    if (v2 && !isStringArray(b.documents)) return sendJson(res, 400, err('invalid request: documents must be strings'));
    if (!Array.isArray(b.documents) || b.documents.length === 0) return sendJson(res, 400, err('invalid request: documents must not be empty'));
    if (b.documents.length > max) return sendJson(res, 400, err(`invalid request: too many documents (${b.documents.length} > ${max})`));
    if (b.top_n !== undefined && (!Number.isInteger(b.top_n) || b.top_n < 1)) return sendJson(res, 400, err('invalid request: top_n must be positive'));
    const texts = b.documents.map((d: string | { text: string }) => (typeof d === 'string' ? d : d.text));
    const results = rank(b.query, texts, b.top_n).map((r) => ({ index: r.index, relevance_score: r.score }));
    sendJson(res, 200, {
      id: 'c0ffee00-0000-4000-8000-000000000001',
      results,
      meta: { api_version: { version: v2 ? '2' : '1' }, billed_units: { search_units: Math.max(1, Math.ceil(texts.length / 100)) } },
    });
  });
}

/** vLLM: `/v1/rerank` (or only `/rerank` when `legacyOnly`), results with `document` always. */
export function startFakeVllm(options: FakeOptions & { legacyOnly?: boolean; servedModel?: string } = {}): Promise<FakeServer> {
  return startFake((req, res) => {
    const err = (m: string, code = 400) => ({ error: { message: m, type: 'BadRequestError', param: null, code } });
    if (!checkBearer(req, res, options.apiKey, (m) => err(m, 401))) return;
    const paths = options.legacyOnly ? ['/rerank'] : ['/v1/rerank', '/rerank'];
    if (!paths.includes(req.path)) return sendJson(res, 404, { detail: 'Not Found' });
    const b = req.json;
    if (options.servedModel && b.model !== options.servedModel) return sendJson(res, 404, err(`The model \`${b.model}\` does not exist.`, 404));
    if (typeof b.query !== 'string' || !isStringArray(b.documents)) return sendJson(res, 400, err('query and documents are required'));
    const results = rank(b.query, b.documents, b.top_n).map((r) => ({ index: r.index, document: { text: b.documents[r.index] }, relevance_score: r.score }));
    const tokens = b.documents.reduce((n: number, d: string) => n + d.split(' ').length, 0);
    sendJson(res, 200, { id: 'rerank-1', model: b.model, usage: { prompt_tokens: tokens, total_tokens: tokens }, results });
  });
}

/** TEI: `texts` in, bare array out, batch limit enforced with a 422 Validation error. */
export function startFakeTei(options: FakeOptions = {}): Promise<FakeServer> {
  const max = options.maxDocuments ?? 32;
  return startFake((req, res) => {
    const err = (m: string, t: string) => ({ error: m, error_type: t });
    if (!checkBearer(req, res, options.apiKey, (m) => err(m, 'Unauthorized'))) return;
    if (req.path !== '/rerank') return sendJson(res, 404, err('not found', 'NotFound'));
    const b = req.json;
    if ('documents' in b || 'top_n' in b) return sendJson(res, 422, err('unknown field', 'Validation'));
    if (!isStringArray(b.texts) || b.texts.length === 0) return sendJson(res, 400, err('`texts` cannot be empty', 'Empty'));
    if (b.texts.length > max) return sendJson(res, 422, err(`batch size ${b.texts.length} > maximum allowed batch size ${max}`, 'Validation'));
    const out = rank(b.query, b.texts).map((r) => (b.return_text ? { index: r.index, text: b.texts[r.index], score: r.score } : { index: r.index, score: r.score }));
    const tokens = b.texts.length * 10;
    sendJson(res, 200, out, { 'x-compute-tokens': String(tokens) });
  });
}

/** Jina: Cohere-like, `usage.total_tokens`, documents echoed by default. */
export function startFakeJina(options: FakeOptions = {}): Promise<FakeServer> {
  return startFake((req, res) => {
    const err = (m: string) => ({ detail: m });
    if (!checkBearer(req, res, options.apiKey, err)) return;
    if (req.path !== '/v1/rerank') return sendJson(res, 404, err('Not Found'));
    const b = req.json;
    if (typeof b.model !== 'string' || typeof b.query !== 'string' || !isStringArray(b.documents)) return sendJson(res, 422, err('invalid body'));
    const results = rank(b.query, b.documents, b.top_n).map((r) => ({
      index: r.index,
      relevance_score: r.score,
      ...(b.return_documents === false ? {} : { document: { text: b.documents[r.index] } }),
    }));
    sendJson(res, 200, { model: b.model, usage: { total_tokens: b.documents.length * 12 }, results });
  });
}

/** Voyage: `top_k`, results under `data`, `document` as a plain string. */
export function startFakeVoyage(options: FakeOptions = {}): Promise<FakeServer> {
  const max = options.maxDocuments ?? 1000;
  return startFake((req, res) => {
    const err = (m: string) => ({ detail: m });
    if (!checkBearer(req, res, options.apiKey, err)) return;
    if (req.path !== '/v1/rerank') return sendJson(res, 404, err('Not Found'));
    const b = req.json;
    if ('top_n' in b) return sendJson(res, 400, err('Unexpected field top_n'));
    if (typeof b.model !== 'string' || typeof b.query !== 'string' || !isStringArray(b.documents)) return sendJson(res, 400, err('invalid body'));
    if (b.documents.length > max) return sendJson(res, 400, err('too many documents'));
    const data = rank(b.query, b.documents, b.top_k).map((r) => ({
      index: r.index,
      relevance_score: r.score,
      ...(b.return_documents ? { document: b.documents[r.index] } : {}),
    }));
    sendJson(res, 200, { object: 'list', data, model: b.model, usage: { total_tokens: b.documents.length * 11 } });
  });
}
