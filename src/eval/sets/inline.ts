import { z } from 'zod';
import { EvalSetError, type EvalQuery, type EvalSet } from './types.js';

const candidateSchema = z.union([z.string(), z.strictObject({ id: z.union([z.string().min(1), z.number()]), text: z.string() })]);

/** The inline form: each query brings its own candidates and graded judgments. */
export const inlineQuerySchema = z.strictObject({
  id: z.union([z.string().min(1), z.number()]).optional(),
  query: z.string().min(1),
  /** Strings get their position ("0", "1", ...) as id, within their query. */
  candidates: z.array(candidateSchema).min(1),
  judgments: z.record(z.string(), z.number().finite()),
});

export const inlineSetSchema = z.array(inlineQuerySchema).min(1);
export type InlineQuery = z.infer<typeof inlineQuerySchema>;

/**
 * Inline queries, `{query, candidates[], judgments{doc_id: grade}}`. Documents of all queries
 * share one id space: the same id with two different texts is an error.
 */
export function parseInline(name: string, queries: readonly InlineQuery[]): EvalSet {
  const documents = new Map<string, string>();
  const out: EvalQuery[] = queries.map((q, n) => {
    const queryId = q.id !== undefined ? String(q.id) : String(n + 1);
    // Positional ids are only unique within a query: stored as "<query>#<position>".
    const positional = (id: string): string => `${queryId}#${id}`;
    const ids = q.candidates.map((c, i) => {
      const id = typeof c === 'string' ? positional(String(i)) : String(c.id);
      const text = typeof c === 'string' ? c : c.text;
      const known = documents.get(id);
      if (known !== undefined && known !== text) throw new EvalSetError(`query ${n + 1}: document id "${id}" has two different texts`);
      documents.set(id, text);
      return id;
    });
    if (new Set(ids).size !== ids.length) throw new EvalSetError(`query ${n + 1}: duplicate candidate ids`);
    const judgments: Record<string, number> = Object.create(null) as Record<string, number>;
    for (const [id, grade] of Object.entries(q.judgments)) {
      const inSet = documents.has(id) && ids.includes(id) ? id : positional(id);
      judgments[ids.includes(inSet) ? inSet : id] = grade;
    }
    return { id: queryId, text: q.query, judgments, candidates: ids };
  });
  if (new Set(out.map((q) => q.id)).size !== out.length) throw new EvalSetError('duplicate query ids');
  return { name, format: 'inline', documents, queries: out };
}
