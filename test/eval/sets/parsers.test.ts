import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { candidatesFor } from '../../../src/eval/candidates.js';
import { parseBeir } from '../../../src/eval/sets/beir.js';
import { inlineSetSchema, parseInline } from '../../../src/eval/sets/inline.js';
import { loadSetDir } from '../../../src/eval/sets/load-dir.js';
import { parseSmart } from '../../../src/eval/sets/smart.js';
import { parseTrec } from '../../../src/eval/sets/trec.js';
import { EvalSetError } from '../../../src/eval/sets/types.js';

const SMART_DOCS = `.I 1
.T
Dewey decimal
classification
.A
Someone, A.
.W
   A history of the
classification.
.X
1\t5\t1
.I 2
.T
Catalogues
.W
Card catalogues in libraries.
`;
const SMART_QUERIES = `.I 1
.W
history of classification
.I 2
.W
catalogues
.I 3
.W
a query nobody judged
`;

describe('evaluation set parsers', () => {
  it('reads SMART records (title and abstract only) and CISI-style qrels', () => {
    const set = parseSmart('tiny', {
      documents: SMART_DOCS,
      queries: SMART_QUERIES,
      qrels: '     1      1\t0\t0.000000\n     2      2\t0\t0.000000\n     2      1\t0\t0.000000\n',
    });
    assert.equal(set.documents.get('1'), 'Dewey decimal classification A history of the classification.');
    assert.equal(set.documents.get('2'), 'Catalogues Card catalogues in libraries.');
    // Query 3 has no judgments and is left out; listed pairs are relevant (grade 1).
    assert.deepEqual(
      set.queries.map((q) => [q.id, q.text, { ...q.judgments }]),
      [
        ['1', 'history of classification', { 1: 1 }],
        ['2', 'catalogues', { 2: 1, 1: 1 }],
      ],
    );
  });

  it('rejects SMART files with fields before the first record or duplicate ids', () => {
    assert.throws(() => parseSmart('x', { documents: '.T\nno id\n', queries: '', qrels: '' }), EvalSetError);
    assert.throws(() => parseSmart('x', { documents: '.I 1\n.W\na\n.I 1\n.W\nb\n', queries: '', qrels: '' }), /duplicate record/);
  });

  it('reads BEIR corpus, queries and graded qrels with its header', () => {
    const set = parseBeir('b', {
      corpus: '{"_id":"d1","title":"Solar","text":"Panels on roofs."}\n{"_id":"d2","title":"","text":"Wind farms."}\n',
      queries: '{"_id":"q1","text":"solar power"}\n{"_id":"q2","text":"unjudged"}\n',
      qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\n',
    });
    assert.equal(set.documents.get('d1'), 'Solar Panels on roofs.');
    assert.equal(set.documents.get('d2'), 'Wind farms.');
    assert.deepEqual(
      set.queries.map((q) => [q.id, { ...q.judgments }]),
      [['q1', { d1: 2, d2: 0 }]],
    );
    assert.throws(() => parseBeir('b', { corpus: '{"_id":"d1"\n', queries: '', qrels: '' }), /corpus.jsonl:1: not valid JSON/);
  });

  it('reads TREC qrels, SGML topics (title field) and <DOC> documents', () => {
    const set = parseTrec('t', {
      documents: '<DOC>\n<DOCNO> FT1 </DOCNO>\n<TEXT>Ocean tides</TEXT>\n</DOC>\n<DOC><DOCNO>FT2</DOCNO><TEXT>Moon phases</TEXT></DOC>',
      topics: '<top>\n<num> Number: 401\n<title> tides and the moon\n\n<desc> Description:\nlong text\n</top>\n',
      qrels: '401 0 FT1 1\n401 0 FT2 0\n',
    });
    assert.equal(set.documents.get('FT1'), 'Ocean tides');
    assert.deepEqual(
      set.queries.map((q) => ({ ...q, judgments: { ...q.judgments } })),
      [{ id: '401', text: 'tides and the moon', judgments: { FT1: 1, FT2: 0 } }],
    );
    assert.throws(() => parseTrec('t', { documents: '', topics: '1\tq', qrels: '1 FT1 1\n' }), /topic iteration docno relevance/);
  });

  it('reads inline queries, with positional ids kept apart per query', () => {
    const parsed = inlineSetSchema.parse([
      { query: 'q one', candidates: ['alpha', 'beta'], judgments: { 1: 1 } },
      {
        id: 'b',
        query: 'q two',
        candidates: [
          { id: 'x', text: 'xylophone' },
          { id: 'y', text: 'yak' },
        ],
        judgments: { y: 2 },
      },
    ]);
    const set = parseInline('i', parsed);
    assert.deepEqual(set.queries[0].candidates, ['1#0', '1#1']);
    assert.deepEqual({ ...set.queries[0].judgments }, { '1#1': 1 });
    assert.deepEqual({ ...set.queries[1].judgments }, { y: 2 });
    assert.equal(set.documents.get('1#1'), 'beta');
    assert.throws(
      () =>
        parseInline(
          'i',
          inlineSetSchema.parse([
            {
              query: 'q',
              candidates: [
                { id: 'a', text: 'one' },
                { id: 'a', text: 'two' },
              ],
              judgments: {},
            },
          ]),
        ),
      EvalSetError,
    );
  });

  it('recognises each format from a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-sets-'));
    try {
      mkdirSync(join(dir, 'smart'));
      writeFileSync(join(dir, 'smart', 'T.ALL'), SMART_DOCS);
      writeFileSync(join(dir, 'smart', 'T.QRY'), SMART_QUERIES);
      writeFileSync(join(dir, 'smart', 'T.REL'), '1 1 0 0.0\n');
      assert.equal(loadSetDir(join(dir, 'smart')).format, 'smart');
      mkdirSync(join(dir, 'beir', 'qrels'), { recursive: true });
      writeFileSync(join(dir, 'beir', 'corpus.jsonl'), '{"_id":"d","text":"t"}\n');
      writeFileSync(join(dir, 'beir', 'queries.jsonl'), '{"_id":"q","text":"t"}\n');
      writeFileSync(join(dir, 'beir', 'qrels', 'dev.tsv'), 'query-id\tcorpus-id\tscore\nq\td\t1\n');
      const beir = loadSetDir(join(dir, 'beir'));
      assert.deepEqual([beir.format, beir.name, beir.queries.length], ['beir', 'beir', 1]);
      mkdirSync(join(dir, 'empty'));
      assert.throws(() => loadSetDir(join(dir, 'empty')), /unrecognised set/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('candidates', () => {
  const documents = new Map(Array.from({ length: 50 }, (_, i) => [`d${i}`, `text ${i}`]));
  const set = { name: 's', format: 'beir' as const, documents, queries: [] };
  const query = { id: 'q1', text: 'q', judgments: { d3: 1, d40: 0, missing: 1 } };

  it('are the judged documents plus a seeded sample of the rest of the corpus', () => {
    const c = candidatesFor(set, query, { sample: 10, seed: 1 });
    assert.deepEqual(c.slice(0, 2), ['d3', 'd40']);
    assert.equal(c.length, 12);
    assert.equal(new Set(c).size, 12);
    assert.deepEqual(candidatesFor(set, query, { sample: 10, seed: 1 }), c, 'same seed, same sample');
    assert.notDeepEqual(candidatesFor(set, query, { sample: 10, seed: 2 }), c, 'another seed, another sample');
    assert.notDeepEqual(
      candidatesFor(set, { ...query, id: 'q2' }, { sample: 10, seed: 1 }).slice(2),
      c.slice(2),
      'each query its own sample',
    );
  });

  it('are the whole corpus with sample "all", and the query\'s own list when it has one', () => {
    assert.equal(candidatesFor(set, query, { sample: 'all', seed: 1 }).length, 50);
    assert.deepEqual(candidatesFor(set, { ...query, candidates: ['d9', 'nope', 'd1'] }, { sample: 10, seed: 1 }), ['d9', 'd1']);
    assert.equal(candidatesFor(set, query, { sample: 1000, seed: 1 }).length, 50);
  });
});
