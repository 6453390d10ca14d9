import type { RerankCallResult } from '../../canonical/rerank.js';
import { badResponse } from '../../providers/shared/errors.js';

/**
 * What core relies on from every upstream rerank answer, checked once here for all providers:
 * at most one result per document, each index an integer inside the call's slice, and each
 * score a finite number. A violation is a bad upstream response, which the attempt loop
 * retries and then falls back from, instead of showing a caller a document twice (and
 * another not at all) or a NaN score.
 */
export function checkRerankResult(result: RerankCallResult, documents: number, label: string): RerankCallResult {
  const scores = result.scores;
  if (!Array.isArray(scores)) throw badResponse(`${label}: no list of results`);
  if (scores.length > documents) throw badResponse(`${label}: ${scores.length} results for ${documents} documents`);
  const seen = new Uint8Array(documents);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    const index = s?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= documents) {
      throw badResponse(`${label}: result ${i} has index ${String(index)} outside 0..${documents - 1}`);
    }
    if (seen[index] === 1) throw badResponse(`${label}: index ${index} appears more than once`);
    seen[index] = 1;
    if (typeof s.score !== 'number' || !Number.isFinite(s.score)) throw badResponse(`${label}: result ${i} has a non-finite score`);
  }
  return result;
}
