import type { EvalFormat, EvalQuery, EvalSet } from './types.js';

/** A set as stored in the database: documents as pairs (JSON has no Map). */
export interface StoredSetData {
  readonly documents: ReadonlyArray<readonly [string, string]>;
  readonly queries: readonly EvalQuery[];
}

export function toStored(set: EvalSet): StoredSetData {
  return { documents: [...set.documents], queries: set.queries.map((q) => ({ ...q, judgments: { ...q.judgments } })) };
}

export function fromStored(name: string, format: string, data: StoredSetData): EvalSet {
  return { name, format: format as EvalFormat, documents: new Map(data.documents.map(([id, text]) => [id, text])), queries: data.queries };
}
