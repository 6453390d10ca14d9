import { addJudgment, EvalSetError, joinQueries, lines, type EvalSet } from './types.js';

/** A JSON-lines file of objects, with the line of any bad one in the error. */
function jsonLines(text: string, file: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  lines(text).forEach((line, n) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new EvalSetError(`${file}:${n + 1}: not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new EvalSetError(`${file}:${n + 1}: expected a JSON object`);
    out.push(value as Record<string, unknown>);
  });
  return out;
}

function idOf(row: Record<string, unknown>, file: string, n: number): string {
  const id = row._id ?? row.id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new EvalSetError(`${file}: record ${n + 1} has no "_id"`);
  return String(id);
}

/** BEIR `corpus.jsonl` (`{_id, title, text}`): title and text joined, as BEIR's own loaders do. */
export function parseBeirCorpus(text: string, file = 'corpus.jsonl'): Map<string, string> {
  const out = new Map<string, string>();
  jsonLines(text, file).forEach((row, n) => {
    const title = typeof row.title === 'string' ? row.title.trim() : '';
    const body = typeof row.text === 'string' ? row.text.trim() : '';
    out.set(idOf(row, file, n), title && body ? `${title} ${body}` : title || body);
  });
  return out;
}

/** BEIR `queries.jsonl` (`{_id, text}`). */
export function parseBeirQueries(text: string, file = 'queries.jsonl'): Map<string, string> {
  const out = new Map<string, string>();
  jsonLines(text, file).forEach((row, n) => {
    if (typeof row.text !== 'string') throw new EvalSetError(`${file}: record ${n + 1} has no "text"`);
    out.set(idOf(row, file, n), row.text);
  });
  return out;
}

/** BEIR `qrels/<split>.tsv`: a `query-id corpus-id score` header, then one judgment a line. */
export function parseBeirQrels(text: string, file = 'qrels/test.tsv'): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  lines(text).forEach((line, n) => {
    if (line.trim() === '') return;
    const cols = line.split('\t');
    if (n === 0 && cols[0] === 'query-id') return;
    if (cols.length < 3) throw new EvalSetError(`${file}:${n + 1}: expected "query-id<TAB>corpus-id<TAB>score"`);
    const grade = Number(cols[2]);
    if (!Number.isFinite(grade)) throw new EvalSetError(`${file}:${n + 1}: score "${cols[2]}" is not a number`);
    addJudgment(out, cols[0].trim(), cols[1].trim(), grade);
  });
  return out;
}

export interface BeirFiles {
  readonly corpus: string;
  readonly queries: string;
  readonly qrels: string;
}

export function parseBeir(name: string, files: BeirFiles): EvalSet {
  const documents = parseBeirCorpus(files.corpus);
  const judgments = parseBeirQrels(files.qrels);
  return { name, format: 'beir', documents, queries: joinQueries(parseBeirQueries(files.queries), judgments) };
}
