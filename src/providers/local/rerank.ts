import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import type { InProcessRerankCapability } from '../types.js';
import { bm25Scores } from './bm25.js';

/** `local/bm25`: Okapi BM25 computed in-process, no network and no credentials. */
export const localRerank: InProcessRerankCapability = {
  kind: 'inprocess',
  nativeMaxTokensPerDoc: false,
  run(call: RerankCall): RerankCallResult {
    const values = bm25Scores(
      call.query,
      call.documents.map((d) => d.text),
    );
    const scores = values.map((score, index) => ({ index, score }));
    return { scores, usage: {} };
  },
};
