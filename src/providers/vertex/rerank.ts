import type { RerankCall, RerankCallResult, ScoredIndex } from '../../canonical/rerank.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody } from '../shared/json.js';
import type { HttpRerankCapability, Target, UpstreamReply } from '../types.js';

/** The rank API takes at most 200 records per call; core chunks larger requests. */
export const VERTEX_MAX_RECORDS = 200;

export interface RankingConfigName {
  readonly project: string;
  readonly location: string;
  readonly rankingConfig: string;
}

/**
 * Vertex AI ranking: records carry the document's position in the call as their id,
 * so answers map back to indices; details are not echoed (core back-fills documents).
 */
export function vertexRerank(name: RankingConfigName): HttpRerankCapability {
  const path =
    `/v1/projects/${encodeURIComponent(name.project)}/locations/${encodeURIComponent(name.location)}` +
    `/rankingConfigs/${encodeURIComponent(name.rankingConfig)}:rank`;
  return {
    kind: 'http',
    nativeMaxTokensPerDoc: false,
    build(call: RerankCall, target: Target) {
      const records = new Array(call.documents.length);
      for (let i = 0; i < call.documents.length; i++) {
        const d = call.documents[i];
        const title = d.meta?.title;
        records[i] =
          typeof title === 'string' && title !== '' ? { id: String(i), title, content: d.text } : { id: String(i), content: d.text };
      }
      return {
        method: 'POST',
        path,
        body: { model: target.model, query: call.query, records, topN: call.topN, ignoreRecordDetailsInResponse: true },
      };
    },
    parse(reply: UpstreamReply, call: RerankCall): RerankCallResult {
      const json = parseJsonBody(reply.body, 'vertex') as { records?: unknown } | null;
      if (json === null || typeof json !== 'object') throw badResponse('vertex: body is not an object');
      // An empty answer may omit `records` altogether (proto3 JSON drops empty lists).
      const list = json.records ?? [];
      if (!Array.isArray(list)) throw badResponse('vertex: records is not an array');
      const size = call.documents.length;
      const scores: ScoredIndex[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const r = list[i] as { id?: unknown; score?: unknown } | null;
        const index = typeof r?.id === 'string' && /^\d+$/.test(r.id) ? Number(r.id) : -1;
        if (index < 0 || index >= size) throw badResponse(`vertex: record ${i} has an unknown id`);
        // proto3 JSON omits fields at their default value: no score means 0.
        const score = r!.score === undefined ? 0 : r!.score;
        if (typeof score !== 'number' || !Number.isFinite(score)) throw badResponse(`vertex: record ${i} has an invalid score`);
        scores[i] = { index, score };
      }
      return { scores, usage: { queries: 1 } };
    },
  };
}
