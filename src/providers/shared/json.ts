import { badResponse } from './errors.js';
import type { ScoredIndex } from '../../canonical/rerank.js';

export function parseJsonBody(body: Buffer, provider: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badResponse(`${provider}: response body is not JSON: ${body.subarray(0, 200).toString('utf8')}`);
  }
}

/**
 * Reads `[{index, <scoreField>}]` into scores, checking what core relies on:
 * indices are integers inside the call's slice and scores are finite numbers.
 */
export function readScoredList(list: unknown, scoreField: string, size: number, provider: string): ScoredIndex[] {
  if (!Array.isArray(list)) throw badResponse(`${provider}: results is not an array`);
  const out: ScoredIndex[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as Record<string, unknown> | null;
    const index = item?.index;
    const score = item?.[scoreField];
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= size) {
      throw badResponse(`${provider}: result ${i} has an invalid index`);
    }
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw badResponse(`${provider}: result ${i} has an invalid ${scoreField}`);
    }
    out[i] = { index, score };
  }
  return out;
}

export const texts = (docs: readonly { text: string }[]): string[] => docs.map((d) => d.text);
