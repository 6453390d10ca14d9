import type { ServerResponse } from 'node:http';
import { sendJson } from '../fake-server.js';
import { awsError, type BedrockRequest, type BedrockRoute } from './bedrock.js';
import { rank } from './scoring.js';

/** botocore's `modelArn` pattern for Rerank (docs/protocols.md §2.2). */
const MODEL_ARN_RE =
  /^(arn:aws(-[^:]+)?:(bedrock|sagemaker):[a-z0-9-]{1,20}:([0-9]{12})?:([a-z-]+\/)?)?([a-z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?(\/[a-z0-9]{1,12})?$/;
const RERANK_MODELS = new Set(['cohere.rerank-v3-5:0', 'amazon.rerank-v1:0']);

const invalid = (res: ServerResponse, message: string) => awsError(res, 400, 'ValidationException', message);
const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The text the fake scores a source by: its text, or its JSON serialisation. */
function sourceText(source: any): string | undefined {
  const inline = source?.inlineDocumentSource;
  if (source?.type !== 'INLINE' || !isObject(inline)) return undefined;
  if (inline.type === 'TEXT') {
    const text = inline.textDocument?.text;
    return typeof text === 'string' && text.length >= 1 && text.length <= 32_000 ? text : undefined;
  }
  if (inline.type === 'JSON') return inline.jsonDocument === undefined ? undefined : JSON.stringify(inline.jsonDocument);
  return undefined;
}

/** Agent Runtime `POST /rerank`, enforcing the service's documented constraints. */
function agentRuntimeRerank(region: string): BedrockRoute {
  return {
    method: 'POST',
    pattern: /^\/rerank$/,
    handle(req: BedrockRequest, res: ServerResponse) {
      const b = req.json;
      if (!isObject(b)) return invalid(res, 'Request body must be a JSON object');
      const queries = b.queries;
      if (!Array.isArray(queries) || queries.length !== 1)
        return invalid(
          res,
          "1 validation error detected: Value at 'queries' failed to satisfy constraint: Member must have length less than or equal to 1 and greater than or equal to 1",
        );
      const q = queries[0];
      const query = q?.textQuery?.text;
      if (q?.type !== 'TEXT' || typeof query !== 'string' || query.length < 1 || query.length > 32_000)
        return invalid(res, 'Invalid query');
      const sources = b.sources;
      if (!Array.isArray(sources) || sources.length < 1 || sources.length > 1000) {
        return invalid(
          res,
          "1 validation error detected: Value at 'sources' failed to satisfy constraint: Member must have length less than or equal to 1000",
        );
      }
      const texts: string[] = [];
      for (const s of sources) {
        const t = sourceText(s);
        if (t === undefined) return invalid(res, 'Invalid source');
        texts.push(t);
      }
      const rc = b.rerankingConfiguration;
      const brc = rc?.bedrockRerankingConfiguration;
      if (rc?.type !== 'BEDROCK_RERANKING_MODEL' || !isObject(brc)) return invalid(res, 'Invalid rerankingConfiguration');
      const n = brc.numberOfResults;
      if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 1000)) return invalid(res, 'numberOfResults must be between 1 and 1000');
      if (n !== undefined && n > sources.length) {
        return invalid(res, 'The numberOfResults should be less than or equal to the number of sources provided.');
      }
      const arn = brc.modelConfiguration?.modelArn;
      if (typeof arn !== 'string' || arn.length > 2048 || !MODEL_ARN_RE.test(arn)) {
        return invalid(
          res,
          "1 validation error detected: Value at 'rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration.modelArn' failed to satisfy constraint: Member must satisfy regular expression pattern",
        );
      }
      const fm = /^arn:aws:bedrock:([a-z0-9-]+)::foundation-model\/(.+)$/.exec(arn);
      if (!fm) {
        return invalid(
          res,
          'The provided model ARN for reranking is invalid. Please, use a valid model ARN. Also check the model ARN follows this format: arn:<partition>:bedrock:<region>:<foundation-model/<model-id>',
        );
      }
      if (fm[1] !== region || !RERANK_MODELS.has(fm[2])) {
        return awsError(res, 404, 'ResourceNotFoundException', `Model ${arn} is not available for account 123456789012 in ${region}`);
      }
      const extra = brc.modelConfiguration.additionalModelRequestFields;
      if (extra !== undefined && !isObject(extra)) return invalid(res, 'additionalModelRequestFields must be a map');
      if (fm[2].startsWith('amazon.') && extra && Object.keys(extra).length > 0)
        return invalid(res, `Extraneous key [${Object.keys(extra)[0]}] is not permitted`);
      const results = rank(query, texts, n).map((r) => ({ index: r.index, relevanceScore: r.score }));
      sendJson(res, 200, { results });
    },
  };
}

/** Runtime `POST /model/{id}/invoke` for the rerank models, with each model's own body. */
function invokeModelRerank(): BedrockRoute {
  return {
    method: 'POST',
    pattern: /^\/model\/([^/]+)\/invoke$/,
    bearer: true,
    handle(req: BedrockRequest, res: ServerResponse, match: RegExpExecArray) {
      const id = decodeURIComponent(match[1]).replace(/^arn:aws:bedrock:[a-z0-9-]+::foundation-model\//, '');
      if (!RERANK_MODELS.has(id)) return awsError(res, 404, 'ResourceNotFoundException', `Model ${id} not found`);
      const b = req.json;
      if (
        !isObject(b) ||
        typeof b.query !== 'string' ||
        !Array.isArray(b.documents) ||
        !b.documents.every((d: unknown) => typeof d === 'string')
      ) {
        return invalid(res, 'Malformed input request: query and documents (strings) are required');
      }
      if (b.documents.length < 1 || b.documents.length > 1000) return invalid(res, 'documents must have 1 to 1000 items');
      if (id.startsWith('cohere.')) {
        if (b.api_version !== 2) return invalid(res, 'Malformed input request: api_version 2 is required for this model');
        const allowed = new Set(['query', 'documents', 'top_n', 'api_version', 'max_tokens_per_doc', 'return_documents']);
        const bad = Object.keys(b).find((k) => !allowed.has(k));
        if (bad) return invalid(res, `Malformed input request: extraneous key [${bad}] is not permitted`);
      } else {
        const bad = Object.keys(b).find((k) => k !== 'query' && k !== 'documents');
        if (bad) return invalid(res, `Malformed input request: extraneous key [${bad}] is not permitted`);
      }
      const results = rank(b.query, b.documents, b.top_n).map((r) => ({ index: r.index, relevance_score: r.score }));
      sendJson(res, 200, { id: 'bedrock-invoke-1', results });
    },
  };
}

/** The rerank operations of a fake Bedrock in `region` (agent runtime and runtime on one port). */
export const bedrockRerankRoutes = (region: string): BedrockRoute[] => [agentRuntimeRerank(region), invokeModelRerank()];
