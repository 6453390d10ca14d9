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

/**
 * The request checks every real JSON API makes before it reads the body: POST, a JSON
 * content type, an object body, and (for strict services) no fields outside the schema.
 * Returns a problem description, or undefined when the request is well-formed.
 */
function shapeProblem(req: RecordedRequest, allowed?: ReadonlySet<string>): string | undefined {
  if (req.method !== 'POST') return `method ${req.method} not allowed`;
  if (!/^application\/json\b/.test(String(req.headers['content-type'] ?? ''))) return 'content-type must be application/json';
  const b = req.json;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return 'body must be a JSON object';
  if (allowed) for (const k of Object.keys(b)) if (!allowed.has(k)) return `unknown field ${k}`;
  return undefined;
}

const COHERE_V2_FIELDS = new Set(['model', 'query', 'documents', 'top_n', 'max_tokens_per_doc', 'priority']);
const COHERE_V1_FIELDS = new Set(['model', 'query', 'documents', 'top_n', 'rank_fields', 'return_documents', 'max_chunks_per_doc']);

/** Cohere v1/v2 rerank (also Heroku and Azure): `{id, results, meta}`; errors `{id?, message}`. */
export function startFakeCohere(options: FakeOptions = {}): Promise<FakeServer> {
  const max = options.maxDocuments ?? 10_000;
  return startFake((req, res) => {
    const err = (m: string) => ({ id: 'err-1', message: m });
    if (!checkBearer(req, res, options.apiKey, err)) return;
    // Heroku and Azure mount the API under a path prefix; the tail is what matters.
    const v2 = req.path.endsWith('/v2/rerank');
    if (req.method !== 'POST' || (!v2 && !req.path.endsWith('/v1/rerank'))) return sendJson(res, 404, err('not found'));
    const problem = shapeProblem(req, v2 ? COHERE_V2_FIELDS : COHERE_V1_FIELDS);
    if (problem) return sendJson(res, 400, err(`invalid request: ${problem}`));
    const b = req.json;
    if (typeof b.model !== 'string') return sendJson(res, 400, err('invalid request: model is required'));
    if (typeof b.query !== 'string' || !b.query) return sendJson(res, 400, err('invalid request: query is required'));
    if (v2 && !isStringArray(b.documents)) return sendJson(res, 400, err('invalid request: documents must be strings'));
    if (!Array.isArray(b.documents) || b.documents.length === 0)
      return sendJson(res, 400, err('invalid request: documents must not be empty'));
    if (b.documents.length > max) return sendJson(res, 400, err(`invalid request: too many documents (${b.documents.length} > ${max})`));
    if (b.top_n !== undefined && (!Number.isInteger(b.top_n) || b.top_n < 1))
      return sendJson(res, 400, err('invalid request: top_n must be positive'));
    if (b.max_tokens_per_doc !== undefined && (!Number.isInteger(b.max_tokens_per_doc) || b.max_tokens_per_doc < 1)) {
      return sendJson(res, 400, err('invalid request: max_tokens_per_doc must be positive'));
    }
    const texts: string[] = b.documents.map((d: string | { text: string }) => (typeof d === 'string' ? d : d.text));
    // Cohere truncates each document to max_tokens_per_doc itself (about 4 characters a token here).
    const ranked = b.max_tokens_per_doc ? texts.map((t) => t.slice(0, b.max_tokens_per_doc * 4)) : texts;
    const results = rank(b.query, ranked, b.top_n).map((r) =>
      b.return_documents
        ? {
            index: r.index,
            relevance_score: r.score,
            document: typeof b.documents[r.index] === 'string' ? { text: texts[r.index] } : b.documents[r.index],
          }
        : { index: r.index, relevance_score: r.score },
    );
    sendJson(res, 200, {
      id: 'c0ffee00-0000-4000-8000-000000000001',
      results,
      meta: { api_version: { version: v2 ? '2' : '1' }, billed_units: { search_units: Math.max(1, Math.ceil(texts.length / 100)) } },
    });
  });
}

/** vLLM: `/v1/rerank` (or only `/rerank` when `legacyOnly`), results with `document` always. */
export function startFakeVllm(
  options: FakeOptions & { legacyOnly?: boolean; servedModel?: string; notServedStatus?: number } = {},
): Promise<FakeServer> {
  const max = options.maxDocuments ?? 10_000;
  return startFake((req, res) => {
    const err = (m: string, code = 400) => ({ error: { message: m, type: 'BadRequestError', param: null, code } });
    if (!checkBearer(req, res, options.apiKey, (m) => err(m, 401))) return;
    const paths = options.legacyOnly ? ['/rerank'] : ['/v1/rerank', '/rerank'];
    if (!paths.includes(req.path)) {
      const status = options.notServedStatus ?? 404;
      return sendJson(res, status, { detail: status === 405 ? 'Method Not Allowed' : 'Not Found' });
    }
    // vLLM accepts and ignores unknown fields, so only the shape of known ones is checked.
    const problem = shapeProblem(req);
    if (problem) return sendJson(res, 400, err(problem));
    const b = req.json;
    if (options.servedModel && b.model !== undefined && b.model !== options.servedModel) {
      return sendJson(res, 404, err(`The model \`${b.model}\` does not exist.`, 404), { 'content-type': 'application/json' });
    }
    if (typeof b.query !== 'string' || !isStringArray(b.documents)) return sendJson(res, 400, err('query and documents are required'));
    if (b.documents.length > max) return sendJson(res, 400, err(`too many documents (${b.documents.length} > ${max})`));
    const results = rank(b.query, b.documents, b.top_n).map((r) => ({
      index: r.index,
      document: { text: b.documents[r.index] },
      relevance_score: r.score,
    }));
    const tokens = b.documents.reduce((n: number, d: string) => n + d.split(' ').length, 0);
    sendJson(res, 200, { id: 'rerank-1', model: b.model, usage: { prompt_tokens: tokens, total_tokens: tokens }, results });
  });
}

const TEI_FIELDS = new Set(['query', 'texts', 'truncate', 'truncation_direction', 'raw_scores', 'return_text']);

/** TEI: `texts` in, bare array out, batch limit enforced with a 422 Validation error. */
export function startFakeTei(options: FakeOptions = {}): Promise<FakeServer> {
  const max = options.maxDocuments ?? 32;
  return startFake((req, res) => {
    const err = (m: string, t: string) => ({ error: m, error_type: t });
    if (!checkBearer(req, res, options.apiKey, (m) => err(m, 'Unauthorized'))) return;
    if (req.path !== '/rerank') return sendJson(res, 404, err('not found', 'NotFound'));
    // TEI's request struct denies unknown fields (serde), answering 422.
    const problem = shapeProblem(req, TEI_FIELDS);
    if (problem) return sendJson(res, 422, err(problem, 'Validation'));
    const b = req.json;
    if (!isStringArray(b.texts) || b.texts.length === 0) return sendJson(res, 400, err('`texts` cannot be empty', 'Empty'));
    if (b.texts.length > max)
      return sendJson(res, 422, err(`batch size ${b.texts.length} > maximum allowed batch size ${max}`, 'Validation'));
    const out = rank(b.query, b.texts).map((r) =>
      b.return_text ? { index: r.index, text: b.texts[r.index], score: r.score } : { index: r.index, score: r.score },
    );
    const tokens = b.texts.length * 10;
    sendJson(res, 200, out, { 'x-compute-tokens': String(tokens) });
  });
}

const JINA_FIELDS = new Set(['model', 'query', 'documents', 'top_n', 'return_documents']);

/** Jina: Cohere-like, `usage.total_tokens`, documents echoed (as bare strings) by default. */
export function startFakeJina(options: FakeOptions = {}): Promise<FakeServer> {
  const max = options.maxDocuments ?? 10_000;
  return startFake((req, res) => {
    const err = (m: string) => ({ detail: m });
    if (!checkBearer(req, res, options.apiKey, err)) return;
    if (req.path !== '/v1/rerank') return sendJson(res, 404, err('Not Found'));
    const problem = shapeProblem(req, JINA_FIELDS);
    if (problem) return sendJson(res, 422, err(problem));
    const b = req.json;
    if (typeof b.model !== 'string' || typeof b.query !== 'string' || !isStringArray(b.documents))
      return sendJson(res, 422, err('invalid body'));
    if (b.documents.length > max) return sendJson(res, 400, err('too many documents'));
    const results = rank(b.query, b.documents, b.top_n).map((r) => ({
      index: r.index,
      relevance_score: r.score,
      ...(b.return_documents === false ? {} : { document: b.documents[r.index] }),
    }));
    sendJson(res, 200, { model: b.model, usage: { total_tokens: b.documents.length * 12 }, results });
  });
}

const VOYAGE_FIELDS = new Set(['model', 'query', 'documents', 'top_k', 'return_documents', 'truncation']);

/** Voyage: `top_k`, results under `data`, `document` as a plain string. */
export function startFakeVoyage(options: FakeOptions = {}): Promise<FakeServer> {
  const max = options.maxDocuments ?? 1000;
  return startFake((req, res) => {
    const err = (m: string) => ({ detail: m });
    if (!checkBearer(req, res, options.apiKey, err)) return;
    if (req.path !== '/v1/rerank') return sendJson(res, 404, err('Not Found'));
    const problem = shapeProblem(req, VOYAGE_FIELDS);
    if (problem) return sendJson(res, 400, err(problem));
    const b = req.json;
    if (typeof b.model !== 'string' || typeof b.query !== 'string' || !isStringArray(b.documents))
      return sendJson(res, 400, err('invalid body'));
    if (b.documents.length > max) return sendJson(res, 400, err('too many documents'));
    const data = rank(b.query, b.documents, b.top_k).map((r) => ({
      index: r.index,
      relevance_score: r.score,
      ...(b.return_documents ? { document: b.documents[r.index] } : {}),
    }));
    sendJson(res, 200, { object: 'list', data, model: b.model, usage: { total_tokens: b.documents.length * 11 } });
  });
}

const COMPATIBLE_FIELDS = new Set(['model', 'query', 'documents', 'top_n', 'return_documents', 'rank_fields']);

/**
 * A Cohere-shaped `/v1/rerank` server as `openai-compatible` targets (Together, Infinity,
 * LocalAI): strict schema (Together rejects unknown fields), OpenAI-style error bodies,
 * `usage` in tokens and `document` as a plain string when asked for.
 */
export function startFakeCompatible(options: FakeOptions = {}): Promise<FakeServer> {
  const max = options.maxDocuments ?? 2048;
  return startFake((req, res) => {
    const err = (m: string, type = 'invalid_request_error') => ({ error: { message: m, type, param: null, code: null } });
    if (!checkBearer(req, res, options.apiKey, (m) => err(m, 'authentication_error'))) return;
    if (req.path !== '/v1/rerank') return sendJson(res, 404, err('Not Found'));
    const problem = shapeProblem(req, COMPATIBLE_FIELDS);
    if (problem) return sendJson(res, 400, err(problem));
    const b = req.json;
    if (typeof b.model !== 'string' || typeof b.query !== 'string' || !isStringArray(b.documents) || b.documents.length === 0) {
      return sendJson(res, 400, err('model, query and documents are required'));
    }
    if (b.documents.length > max) return sendJson(res, 400, err('too many documents'));
    if (b.top_n !== undefined && (!Number.isInteger(b.top_n) || b.top_n < 1)) return sendJson(res, 400, err('top_n must be > 0'));
    const results = rank(b.query, b.documents, b.top_n).map((r) => ({
      relevance_score: r.score,
      index: r.index,
      ...(b.return_documents ? { document: b.documents[r.index] } : {}),
    }));
    const tokens = b.documents.reduce((n: number, d: string) => n + d.split(' ').length, 0);
    sendJson(res, 200, {
      object: 'rerank',
      id: 'infinity-1',
      created: 1763770000,
      model: b.model,
      results,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });
}
