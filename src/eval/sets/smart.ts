import { addJudgment, EvalSetError, joinQueries, lines, type EvalSet } from './types.js';

/** Fields of a SMART record that carry text worth ranking (title and abstract). */
const TEXT_FIELDS = new Set(['T', 'W']);

/**
 * Records of a SMART file (`.I id` then fields `.T`, `.A`, `.W`, `.X`, `.B` ...), as the
 * classic collections (CISI, CACM, MED, CRAN) ship them: id -> title and abstract text.
 */
export function parseSmartRecords(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  let id: string | undefined;
  let field = '';
  let parts: string[] = [];
  const flush = (): void => {
    if (id !== undefined) out.set(id, parts.join(' ').replace(/\s+/g, ' ').trim());
  };
  lines(text).forEach((line, n) => {
    const marker = /^\.([A-Z])(?:\s+(.*))?$/.exec(line);
    if (marker) {
      if (marker[1] === 'I') {
        flush();
        id = (marker[2] ?? '').trim();
        if (id === '') throw new EvalSetError(`${file}:${n + 1}: .I without an id`);
        if (out.has(id)) throw new EvalSetError(`${file}:${n + 1}: duplicate record .I ${id}`);
        parts = [];
        field = '';
      } else {
        if (id === undefined) throw new EvalSetError(`${file}:${n + 1}: field .${marker[1]} before the first .I`);
        field = marker[1];
        if (TEXT_FIELDS.has(field) && marker[2]) parts.push(marker[2]);
      }
      return;
    }
    if (TEXT_FIELDS.has(field)) parts.push(line);
  });
  flush();
  return out;
}

/**
 * A SMART qrels file: whitespace-separated `query doc [grade [score]]` lines (CISI.REL's
 * `1 28 0 0.000000`). Listed pairs are relevant; the third column is a grade only when
 * `gradeColumn` is set, since CISI and CACM put a 0 there for every relevant pair.
 */
export function parseSmartQrels(text: string, file: string, gradeColumn = false): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  lines(text).forEach((line, n) => {
    if (line.trim() === '') return;
    const cols = line.trim().split(/\s+/);
    if (cols.length < 2) throw new EvalSetError(`${file}:${n + 1}: expected "query doc ...", got "${line.trim()}"`);
    const grade = gradeColumn ? Number(cols[2]) : 1;
    if (!Number.isFinite(grade)) throw new EvalSetError(`${file}:${n + 1}: grade "${cols[2]}" is not a number`);
    addJudgment(out, cols[0], cols[1], grade);
  });
  return out;
}

export interface SmartFiles {
  readonly documents: string;
  readonly queries: string;
  readonly qrels: string;
}

/** A SMART collection: documents file, queries file and qrels file. */
export function parseSmart(name: string, files: SmartFiles, names: Partial<Record<keyof SmartFiles, string>> = {}): EvalSet {
  const documents = parseSmartRecords(files.documents, names.documents ?? 'documents');
  const queryTexts = parseSmartRecords(files.queries, names.queries ?? 'queries');
  const judgments = parseSmartQrels(files.qrels, names.qrels ?? 'qrels');
  return { name, format: 'smart', documents, queries: joinQueries(queryTexts, judgments) };
}
