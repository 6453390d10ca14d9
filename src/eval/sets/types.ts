/** One labelled query: its text, graded judgments and (optionally) its own candidate list. */
export interface EvalQuery {
  readonly id: string;
  readonly text: string;
  /** Document id -> grade; 0 means judged non-relevant. */
  readonly judgments: Readonly<Record<string, number>>;
  /** Document ids to rerank (a first-stage run); absent: judged documents plus a corpus sample. */
  readonly candidates?: readonly string[];
}

/**
 * A labelled evaluation set, whatever format it came in.
 * @example { name: 'cisi', format: 'smart', documents: new Map([['1', '18 Editions of ...']]), queries: [...] }
 */
export interface EvalSet {
  readonly name: string;
  readonly format: EvalFormat;
  readonly documents: ReadonlyMap<string, string>;
  readonly queries: readonly EvalQuery[];
}

export const EVAL_FORMATS = ['beir', 'trec', 'smart', 'inline'] as const;
export type EvalFormat = (typeof EVAL_FORMATS)[number];

/** A parse failure with the file and line it concerns. */
export class EvalSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalSetError';
  }
}

/** Adds a judgment, keeping the higher grade when a pair is listed twice. */
export function addJudgment(into: Map<string, Record<string, number>>, query: string, doc: string, grade: number): void {
  let row = into.get(query);
  if (!row) {
    row = Object.create(null) as Record<string, number>;
    into.set(query, row);
  }
  row[doc] = Math.max(row[doc] ?? Number.NEGATIVE_INFINITY, grade);
}

/** Queries that have judgments, in query-file order; queries without any are dropped. */
export function joinQueries(texts: ReadonlyMap<string, string>, judgments: ReadonlyMap<string, Record<string, number>>): EvalQuery[] {
  const out: EvalQuery[] = [];
  for (const [id, text] of texts) {
    const j = judgments.get(id);
    if (j) out.push({ id, text, judgments: j });
  }
  return out;
}

/** Splits text into lines, dropping a final empty one and trailing carriage returns. */
export function lines(text: string): string[] {
  const out = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
