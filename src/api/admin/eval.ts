import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { invalidRequest } from '../../errors/gateway-error.js';
import { conventionsOf } from '../../eval/conventions.js';
import { parseBeir } from '../../eval/sets/beir.js';
import { inlineQuerySchema, parseInline } from '../../eval/sets/inline.js';
import { parseSmart } from '../../eval/sets/smart.js';
import { toStored } from '../../eval/sets/stored.js';
import { parseTrec } from '../../eval/sets/trec.js';
import { EvalSetError, type EvalSet } from '../../eval/sets/types.js';
import { DuplicateEvalSetError, type StoredEvalRun, type StoredEvalSet } from '../../store/eval.js';
import type { SurfaceRoute } from '../surface.js';
import { conflict, notFound, paginate, parseBody, type AdminSurfaceDeps } from './common.js';

const text = z.string().min(1);

export const evalSetCreateSchema = z.discriminatedUnion('format', [
  z.strictObject({ name: text, format: z.literal('beir'), files: z.strictObject({ corpus: text, queries: text, qrels: text }) }),
  z.strictObject({ name: text, format: z.literal('trec'), files: z.strictObject({ documents: text, topics: text, qrels: text }) }),
  z.strictObject({ name: text, format: z.literal('smart'), files: z.strictObject({ documents: text, queries: text, qrels: text }) }),
  z.strictObject({ name: text, format: z.literal('inline'), queries: z.array(inlineQuerySchema).min(1) }),
]);

/** Optional first-stage candidates per query id, for the file formats. */
const withCandidates = z.object({ candidates: z.record(z.string(), z.array(z.string().min(1)).min(1)).optional() });

export const evalRunCreateSchema = z.strictObject({
  set: text.describe('Set id or name'),
  models: z.array(text).min(1).max(10).describe('Aliases or provider/model; the first is the baseline unless `baseline` says otherwise'),
  k: z.array(z.number().int().positive().max(10_000)).min(1).max(10).default([1, 5, 10, 100]),
  baseline: text.optional(),
  sample: z
    .union([z.number().int().min(0).max(100_000), z.literal('all')])
    .default(100)
    .describe('Corpus documents added to the judged ones of queries without candidates'),
  seed: z.number().int().default(42),
  gain: z.enum(['linear', 'exponential']).default('linear'),
  queries_without_relevant: z.enum(['skip', 'zero']).default('skip'),
  concurrency: z.number().int().min(1).max(32).default(4),
  cache: z.boolean().default(false).describe('Use the pair cache (off: every call reaches the model)'),
  api_key: text.optional().describe('Caller key the calls are made with, needed when the gateway runs with auth: keys; never stored'),
});

const setView = (s: StoredEvalSet) => ({
  id: s.id,
  object: 'eval_set',
  name: s.name,
  format: s.format,
  queries: s.queries,
  documents: s.documents,
  created_at: s.createdAt,
});
const runView = (r: StoredEvalRun) => ({
  id: r.id,
  object: 'eval_run',
  set: r.setId,
  status: r.status,
  progress: { done: r.done, total: r.total, fraction: r.total > 0 ? r.done / r.total : 1 },
  request: r.request,
  error: r.error,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
  ...(r.report ? { report: r.report } : {}),
});

function parseSet(body: z.infer<typeof evalSetCreateSchema>): EvalSet {
  switch (body.format) {
    case 'beir':
      return parseBeir(body.name, body.files);
    case 'trec':
      return parseTrec(body.name, body.files);
    case 'smart':
      return parseSmart(body.name, body.files);
    case 'inline':
      return parseInline(body.name, body.queries);
  }
}

/** Largest set upload accepted (bytes), unless the deps say otherwise. */
const SET_BODY_LIMIT = 256 * 1024 * 1024;
const tags = ['eval'];
const sets = '/v1/eval/sets';
const runsPath = '/v1/eval/runs';

/** `/admin/v1/eval/sets` and `/admin/v1/eval/runs` (Rerank Lab), behind the admin key like the rest of `/admin/v1`. */
export const evalRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'post',
    path: sets,
    doc: {
      tags,
      summary: 'Store a labelled evaluation set',
      description:
        'BEIR (`files: {corpus, queries, qrels}`), TREC (`files: {documents, topics, qrels}`), SMART (`files: {documents, queries, qrels}`) as file contents, ' +
        'or inline `queries: [{query, candidates[], judgments{doc_id: grade}}]`. File formats may add `candidates: {query_id: [doc ids]}` (a first-stage run); ' +
        'queries without candidates are reranked over their judged documents plus a seeded sample of the corpus.',
      request: { name: 'EvalSetCreate', schema: z.intersection(evalSetCreateSchema, withCandidates) },
      status: 201,
      errors: [400, 401, 409, 413],
    },
    bodyLimit: (deps) => deps.evalBodyLimit ?? SET_BODY_LIMIT,
    handler:
      ({ evals: store }) =>
      async (request, reply) => {
        const raw = request.body as Record<string, unknown> | null;
        const { candidates, ...rest } = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : ({} as Record<string, unknown>);
        const extra = parseBody(withCandidates, { candidates });
        const body = parseBody(evalSetCreateSchema, rest);
        let set: EvalSet;
        try {
          set = parseSet(body);
        } catch (err) {
          if (err instanceof EvalSetError) throw invalidRequest(err.message, 'files');
          throw err;
        }
        if (extra.candidates) {
          const byId = new Map(set.queries.map((q) => [q.id, q]));
          for (const id of Object.keys(extra.candidates))
            if (!byId.has(id)) throw invalidRequest(`candidates: no judged query with id '${id}'`, 'candidates');
          set = { ...set, queries: set.queries.map((q) => (extra.candidates![q.id] ? { ...q, candidates: extra.candidates![q.id] } : q)) };
        }
        if (set.queries.length === 0) throw invalidRequest('the set has no query with judgments', 'files');
        const stored: StoredEvalSet = {
          id: `evs_${randomUUID().replace(/-/g, '')}`,
          name: body.name,
          format: set.format,
          queries: set.queries.length,
          documents: set.documents.size,
          createdAt: new Date().toISOString(),
        };
        try {
          await store().createSet(stored, toStored(set));
        } catch (err) {
          if (err instanceof DuplicateEvalSetError) throw conflict(`name '${body.name}' is already in use`, 'name');
          throw err;
        }
        reply.code(201);
        return setView(stored);
      },
  },
  {
    method: 'get',
    path: sets,
    doc: { tags, summary: 'List evaluation sets', errors: [400, 401] },
    handler:
      ({ evals: store }) =>
      async (request) =>
        paginate((await store().listSets()).map(setView), request.query),
  },
  {
    method: 'get',
    path: `${sets}/:id`,
    doc: { tags, summary: 'Get an evaluation set (its summary; id or name)', errors: [401, 404] },
    handler:
      ({ evals: store }) =>
      async (request) => {
        const { id } = request.params as { id: string };
        const found = await store().getSet(id);
        if (!found) throw notFound('evaluation set', id);
        return setView(found.set);
      },
  },
  {
    method: 'delete',
    path: `${sets}/:id`,
    doc: { tags, summary: 'Delete an evaluation set and its runs', errors: [401, 404] },
    handler:
      ({ evals: store }) =>
      async (request) => {
        const { id } = request.params as { id: string };
        const found = await store().getSet(id);
        if (!found || !(await store().deleteSet(found.set.id))) throw notFound('evaluation set', id);
        return { id: found.set.id, object: 'eval_set', deleted: true };
      },
  },
  {
    method: 'post',
    path: runsPath,
    doc: {
      tags,
      summary: 'Start an evaluation run',
      description:
        'Reranks every judged query of the set with each model through the proxy (limits, budget, usage tagged surface `eval`; cache off unless `cache: true`) ' +
        'and stores nDCG@k, MAP, MRR, Recall@k, Judged@k, latency p50/p95, errors and cost per model and per query, with the conventions used and ' +
        'paired comparisons (difference, bootstrap 95% interval, sign-test p) against the baseline. Answers 202 with the run; poll `GET /admin/v1/eval/runs/{id}`.',
      request: { name: 'EvalRunCreate', schema: evalRunCreateSchema },
      status: 202,
      errors: [400, 401, 404],
    },
    handler:
      ({ evalRuns: runs }) =>
      async (request, reply) => {
        const body = parseBody(evalRunCreateSchema, request.body);
        if (body.baseline !== undefined && !body.models.includes(body.baseline))
          throw invalidRequest('baseline must be one of models', 'baseline');
        const { api_key: apiKey, ...visible } = body;
        const run = await runs.start({
          setId: body.set,
          models: body.models,
          ks: body.k,
          candidates: { sample: body.sample, seed: body.seed },
          conventions: conventionsOf({ gain: body.gain, queries_without_relevant: body.queries_without_relevant }),
          concurrency: body.concurrency,
          baseline: body.baseline,
          cache: body.cache,
          apiKey,
          request: visible,
        });
        if (!run) throw notFound('evaluation set', body.set);
        reply.code(202);
        return runView(run);
      },
  },
  {
    method: 'get',
    path: runsPath,
    doc: { tags, summary: 'List evaluation runs (without their reports)', errors: [400, 401] },
    handler:
      ({ evals: store }) =>
      async (request) =>
        paginate((await store().listRuns()).map(runView), request.query),
  },
  {
    method: 'get',
    path: `${runsPath}/:id`,
    doc: { tags, summary: 'Get an evaluation run: progress, then its stored report', errors: [401, 404] },
    handler:
      ({ evals: store }) =>
      async (request) => {
        const { id } = request.params as { id: string };
        const run = await store().getRun(id);
        if (!run) throw notFound('evaluation run', id);
        return runView(run);
      },
  },
];
