import { parseBeirCorpus } from './beir.js';
import { addJudgment, EvalSetError, joinQueries, lines, type EvalSet } from './types.js';

/** TREC qrels: `topic iteration docno relevance` per line (iteration is ignored, as trec_eval does). */
export function parseTrecQrels(text: string, file = 'qrels'): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  lines(text).forEach((line, n) => {
    if (line.trim() === '') return;
    const cols = line.trim().split(/\s+/);
    if (cols.length !== 4) throw new EvalSetError(`${file}:${n + 1}: expected "topic iteration docno relevance"`);
    const grade = Number(cols[3]);
    if (!Number.isFinite(grade)) throw new EvalSetError(`${file}:${n + 1}: relevance "${cols[3]}" is not a number`);
    addJudgment(out, cols[0], cols[2], grade);
  });
  return out;
}

/**
 * TREC topics. Either the SGML form (`<top> <num> Number: 401 <title> ... </top>`), where the
 * title is the query (the usual "title-only" run), or tab-separated `id<TAB>text` lines.
 */
export function parseTrecTopics(text: string, file = 'topics'): Map<string, string> {
  const out = new Map<string, string>();
  if (/<top>/i.test(text)) {
    for (const block of text.split(/<top>/i).slice(1)) {
      const num = /<num>\s*(?:Number:)?\s*([^\s<]+)/i.exec(block);
      // A field runs until the next tag (old TREC topics do not close their tags).
      const title = /<title>\s*(?:Topic:)?([\s\S]*?)(?=<[a-z/])/i.exec(block);
      if (!num || !title) throw new EvalSetError(`${file}: a <top> block without <num> or <title>`);
      out.set(num[1], title[1].replace(/\s+/g, ' ').trim());
    }
    return out;
  }
  lines(text).forEach((line, n) => {
    if (line.trim() === '') return;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new EvalSetError(`${file}:${n + 1}: expected "id<TAB>text" or SGML <top> blocks`);
    out.set(line.slice(0, tab).trim(), line.slice(tab + 1).trim());
  });
  return out;
}

/** TREC `<DOC><DOCNO>id</DOCNO> ... </DOC>` documents: everything but the DOCNO, tags removed. */
export function parseTrecDocuments(text: string, file = 'documents'): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of text.split(/<DOC>/i).slice(1)) {
    const docno = /<DOCNO>\s*([^<]*?)\s*<\/DOCNO>/i.exec(block);
    if (!docno) throw new EvalSetError(`${file}: a <DOC> without <DOCNO>`);
    const body = block
      .replace(/<DOCNO>[\s\S]*?<\/DOCNO>/i, ' ')
      .replace(/<\/DOC>[\s\S]*$/i, '')
      .replace(/<[^>]+>/g, ' ');
    out.set(docno[1], body.replace(/\s+/g, ' ').trim());
  }
  return out;
}

export interface TrecFiles {
  /** `<DOC>` documents or a BEIR-style corpus.jsonl. */
  readonly documents: string;
  readonly topics: string;
  readonly qrels: string;
}

export function parseTrec(name: string, files: TrecFiles): EvalSet {
  const documents = files.documents.trimStart().startsWith('{')
    ? parseBeirCorpus(files.documents, 'documents')
    : parseTrecDocuments(files.documents);
  return { name, format: 'trec', documents, queries: joinQueries(parseTrecTopics(files.topics), parseTrecQrels(files.qrels)) };
}
