import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseBeir } from './beir.js';
import { parseInline, inlineSetSchema } from './inline.js';
import { parseSmart } from './smart.js';
import { parseTrec } from './trec.js';
import { EvalSetError, type EvalFormat, type EvalSet } from './types.js';

const read = (path: string): string => readFileSync(path, 'utf8');

/**
 * Reads an evaluation set from a directory, recognising its format by its files:
 * BEIR (`corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`), SMART (`*.ALL`, `*.QRY`,
 * `*.REL`), TREC (`qrels*`, `topics*`, documents) or inline (`set.json`).
 */
export function loadSetDir(dir: string, options: { name?: string; split?: string } = {}): EvalSet {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new EvalSetError(`${dir}: not a directory`);
  const name = options.name ?? basename(dir.replace(/\/+$/, ''));
  const files = readdirSync(dir);
  const format = detectFormat(files);
  switch (format) {
    case 'beir': {
      const split =
        options.split ??
        (existsSync(join(dir, 'qrels', 'test.tsv'))
          ? 'test'
          : readdirSync(join(dir, 'qrels'))
              .find((f) => f.endsWith('.tsv'))
              ?.slice(0, -4));
      if (!split) throw new EvalSetError(`${dir}/qrels: no <split>.tsv file`);
      return parseBeir(name, {
        corpus: read(join(dir, 'corpus.jsonl')),
        queries: read(join(dir, 'queries.jsonl')),
        qrels: read(join(dir, 'qrels', `${split}.tsv`)),
      });
    }
    case 'smart': {
      const pick = (ext: string): string => join(dir, files.find((f) => f.toUpperCase().endsWith(ext))!);
      const paths = { documents: pick('.ALL'), queries: pick('.QRY'), qrels: pick('.REL') };
      return parseSmart(
        name,
        { documents: read(paths.documents), queries: read(paths.queries), qrels: read(paths.qrels) },
        {
          documents: basename(paths.documents),
          queries: basename(paths.queries),
          qrels: basename(paths.qrels),
        },
      );
    }
    case 'trec': {
      const pick = (prefix: string): string | undefined => files.find((f) => f.toLowerCase().startsWith(prefix));
      const docs = pick('corpus') ?? pick('documents') ?? pick('docs');
      if (!docs) throw new EvalSetError(`${dir}: TREC set without a corpus.jsonl or documents file`);
      return parseTrec(name, {
        documents: read(join(dir, docs)),
        topics: read(join(dir, pick('topics')!)),
        qrels: read(join(dir, pick('qrels')!)),
      });
    }
    case 'inline': {
      const parsed = inlineSetSchema.safeParse(JSON.parse(read(join(dir, 'set.json'))));
      if (!parsed.success) throw new EvalSetError(`${dir}/set.json: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return parseInline(name, parsed.data);
    }
  }
}

function detectFormat(files: readonly string[]): EvalFormat {
  const has = (test: (f: string) => boolean): boolean => files.some(test);
  if (has((f) => f === 'corpus.jsonl') && has((f) => f === 'queries.jsonl') && has((f) => f === 'qrels')) return 'beir';
  if (
    has((f) => f.toUpperCase().endsWith('.ALL')) &&
    has((f) => f.toUpperCase().endsWith('.QRY')) &&
    has((f) => f.toUpperCase().endsWith('.REL'))
  )
    return 'smart';
  if (has((f) => f.toLowerCase().startsWith('qrels')) && has((f) => f.toLowerCase().startsWith('topics'))) return 'trec';
  if (has((f) => f === 'set.json')) return 'inline';
  throw new EvalSetError(
    'unrecognised set: expected BEIR (corpus.jsonl, queries.jsonl, qrels/), SMART (*.ALL, *.QRY, *.REL), TREC (qrels*, topics*, corpus.jsonl or documents*) or set.json',
  );
}
