import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSplicedJson, RawDocument, splicedBytes } from '../../../src/canonical/raw-json.js';
import type { RerankCall, RerankRequest, RerankResult } from '../../../src/canonical/rerank.js';
import { parseRerankBody } from '../../../src/api/rerank/parse.js';
import { parseRawRerankBody } from '../../../src/api/rerank/raw-parse.js';
import { renderRerank, renderRerankJson } from '../../../src/api/rerank/render.js';
import { RequestHashes } from '../../../src/core/cache/keys.js';
import { rankResults, slices } from '../../../src/core/rerank/merge.js';
import { seededRandom } from '../../../src/eval/stats.js';
import { cohereRerank } from '../../../src/providers/cohere/rerank.js';
import { jinaRerank } from '../../../src/providers/jina/rerank.js';
import { compatibleRerank } from '../../../src/providers/openai-compatible/rerank.js';
import { teiRerank } from '../../../src/providers/tei/rerank.js';
import { vllmRerank } from '../../../src/providers/vllm/rerank.js';
import { voyageRerank } from '../../../src/providers/voyage/rerank.js';
import type { HttpRerankCapability } from '../../../src/providers/types.js';
import { RawJsonBody } from '../../../src/api/json-body.js';

const LIMITS = { maxDocuments: 10_000, maxDocumentChars: 100_000 };
/** Every provider that takes the raw path (the Cohere-shaped factory). */
const PROVIDERS: Array<[string, HttpRerankCapability]> = [
  ['cohere v2', cohereRerank('v2')],
  ['cohere v1', cohereRerank('v1')],
  ['jina', jinaRerank],
  ['vllm', vllmRerank],
  ['voyage', voyageRerank],
  ['openai-compatible', compatibleRerank],
  ['tei', teiRerank],
];

const PIECES = [
  'a',
  'Z',
  ' ',
  'é',
  'ß',
  '中文',
  '😀',
  '\u2028',
  '\u00a0',
  '\u3000',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\r',
  '\b',
  '\f',
  '\u0000',
  '\u001f',
  '\u007f',
];

/**
 * A document as a caller might spell it in JSON: the text, and its JSON literal written with
 * every legal spelling (short escapes, `\u` in either case, `\/`, raw non-ASCII, escaped
 * surrogate pairs, lone surrogates), so most literals are not what JSON.stringify writes.
 */
function randomDocument(rand: () => number): { text: string; literal: string } {
  const long = rand() < 0.05;
  const n = long ? 5000 + Math.floor(rand() * 20_000) : 1 + Math.floor(rand() * 40);
  let text = '';
  let literal = '"';
  const escapes = rand() < 0.5;
  for (let k = 0; k < n; k++) {
    const r = rand();
    let piece: string;
    if (r < 0.04)
      piece = String.fromCharCode(0xd800 + Math.floor(rand() * 0x800)); // a lone surrogate
    else if (r < 0.5 || !escapes) piece = 'lorem ipsum dolor '[Math.floor(rand() * 18)];
    else piece = PIECES[Math.floor(rand() * PIECES.length)];
    text += piece;
    for (const ch of piece) {
      const code = ch.codePointAt(0)!;
      const spell = rand();
      if (code >= 0xd800 && code <= 0xdfff) {
        const hex = code.toString(16);
        literal += `\\u${spell < 0.5 ? hex : hex.toUpperCase()}`;
      } else if (code > 0xffff && spell < 0.3) {
        const s = ch;
        literal += `\\u${s.charCodeAt(0).toString(16)}\\u${s.charCodeAt(1).toString(16).toUpperCase()}`;
      } else if (spell < 0.15 && escapes) {
        literal += ch.length === 1 ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
      } else if (ch === '/' && spell < 0.5) {
        literal += '\\/';
      } else {
        literal += JSON.stringify(ch).slice(1, -1);
      }
    }
  }
  // A blank document is an error on both paths; keep them to the error test.
  if (text.trim().length === 0) return { text: `x${text}`, literal: `"x${literal.slice(1)}"` };
  return { text, literal: `${literal}"` };
}

function randomBody(rand: () => number, count: number): string {
  const docs = Array.from({ length: count }, () => randomDocument(rand).literal);
  const sep = () => (rand() < 0.2 ? ' ,\n ' : ',');
  const fields = [
    `"model":"m"`,
    `"query":${JSON.stringify('what é "q"\\')}`,
    `"documents":[${docs.map((d, i) => (i ? sep() : '') + d).join('')}]`,
    rand() < 0.5 ? `"top_n":${1 + Math.floor(rand() * count)}` : '',
    rand() < 0.5 ? `"return_documents":true` : '',
    rand() < 0.3 ? `"extra":{"a":[1,{"b":"c"}]}` : '',
  ].filter(Boolean);
  return `{${fields.join(rand() < 0.3 ? ' , ' : ',')}}`;
}

const both = (body: string): { general: RerankRequest; raw: RerankRequest } => {
  const bytes = Buffer.from(body, 'utf8');
  const raw = parseRawRerankBody(new RawJsonBody(bytes, 32), LIMITS);
  assert.ok(raw?.raw, 'the raw path takes a body of string documents');
  return { general: parseRerankBody(JSON.parse(body), LIMITS), raw };
};

function calls(req: RerankRequest, perCall: number, sent?: number[]): RerankCall[] {
  const all = sent ? sent.map((i) => req.documents[i]) : req.documents;
  return slices(all.length, perCall).map(([start, end]) => {
    const indices = sent ? sent.slice(start, end) : Array.from({ length: end - start }, (_, k) => start + k);
    return {
      query: req.query,
      documents: all.slice(start, end),
      topN: Math.min(req.topN ?? all.length, end - start),
      maxTokensPerDoc: req.maxTokensPerDoc,
      rawDocuments: req.raw ? { raw: req.raw, indices } : undefined,
    };
  });
}

const bytesOf = (body: unknown): Buffer => (isSplicedJson(body) ? splicedBytes(body) : Buffer.from(JSON.stringify(body), 'utf8'));

describe('rerank documents carried as raw JSON', () => {
  it('gives byte-identical upstream bodies to the general path on every raw-path provider (seeded)', () => {
    const rand = seededRandom(1717);
    for (let round = 0; round < 40; round++) {
      const count = 1 + Math.floor(rand() * (round % 10 === 0 ? 400 : 30));
      const body = randomBody(rand, count);
      const { general, raw } = both(body);
      assert.equal(raw.documents.length, general.documents.length);
      for (let i = 0; i < general.documents.length; i++) assert.equal(raw.documents[i].text, general.documents[i].text);
      const perCall = 1 + Math.floor(rand() * count);
      // With the pair cache some documents are not sent: an arbitrary subset, in order.
      const sent = rand() < 0.3 ? general.documents.map((_, i) => i).filter(() => rand() < 0.6) : undefined;
      if (sent?.length === 0) continue;
      const g = calls(general, perCall, sent);
      const r = calls(raw, perCall, sent);
      assert.equal(r.length, g.length, 'same chunk boundaries');
      for (const [name, cap] of PROVIDERS) {
        for (let c = 0; c < g.length; c++) {
          const target = { provider: 'p', model: 'model-x' };
          const gb = cap.build(g[c], target);
          const rb = cap.build(r[c], target);
          assert.ok(isSplicedJson(rb.body), `${name} splices`);
          assert.equal(bytesOf(rb.body).toString('hex'), bytesOf(gb.body).toString('hex'), `${name} round ${round} chunk ${c}`);
          assert.equal(rb.path, gb.path);
        }
      }
      // The pair cache keys are the same on both paths.
      assert.deepEqual(new RequestHashes(raw).keysFor('p/m'), new RequestHashes(general).keysFor('p/m'));
      // return_documents: the same answer, byte for byte.
      const scored = () => general.documents.map((_, i) => ({ index: i, score: Math.round(rand() * 1000) / 1000 }));
      const s = scored();
      const result = (req: RerankRequest): RerankResult => ({
        id: 'id-1',
        results: rankResults(
          s.map((x) => ({ ...x })),
          req.documents,
          req.topN,
          true,
        ),
        modelRequested: 'm',
        modelUsed: 'p/m',
        provider: 'p',
        usage: { inputTokens: 1, outputTokens: 0, searchUnits: 1, queries: 1 } as never,
        costUsd: 0,
        latencyMs: 1.5,
        chunks: g.length,
        attempts: 1,
        fallbackIndex: 0,
      });
      const rr = result(raw);
      assert.ok(rr.results.every((x) => x.document instanceof RawDocument));
      assert.equal(renderRerankJson(rr, '2'), JSON.stringify(renderRerank(result(general), '2')));
      // Calibrated answers keep the raw score beside the calibrated one on both paths.
      const calibrated = (r: RerankResult): RerankResult => ({ ...r, results: r.results.map((x) => ({ ...x, rawScore: x.score / 2 })) });
      const options = { upstreamModel: true };
      assert.equal(renderRerankJson(calibrated(rr), '2', options), JSON.stringify(renderRerank(calibrated(result(general)), '2', options)));
    }
  });

  it('checks documents like the general path: same errors, same order', () => {
    const cases = [
      '{"model":"m","query":"q","documents":["ok","  "]}',
      '{"model":"m","query":"q","documents":["ok","\\u0020\\n"]}',
      '{"model":"m","query":"q","documents":["ok","\\u3000"]}',
      '{"model":"m","query":"q","documents":["ok","\u3000"]}',
      '{"model":"m","query":"","documents":["  "]}',
      `{"model":"m","query":"q","documents":["${'é'.repeat(11)}"]}`,
      `{"model":"m","query":"q","documents":["${'a'.repeat(11)}"]}`,
      `{"model":"m","query":"q","documents":["a","b","c","d"]}`,
      '{"model":"m","query":"q","documents":["a"],"top_n":0}',
    ];
    const limits = { maxDocuments: 3, maxDocumentChars: 10 };
    for (const body of cases) {
      const general = catchError(() => parseRerankBody(JSON.parse(body), limits));
      const raw = catchError(() => parseRawRerankBody(new RawJsonBody(Buffer.from(body), 32), limits));
      assert.ok(general, body);
      assert.deepEqual(raw, general, body);
    }
    // é is 2 bytes but 1 character: 6 of them pass a 10-character limit.
    assert.ok(parseRawRerankBody(new RawJsonBody(Buffer.from(`{"model":"m","query":"q","documents":["${'é'.repeat(6)}"]}`), 32), limits));
  });

  it('leaves everything else to the general path', () => {
    for (const body of [
      '{"model":"m","query":"q","documents":[{"text":"a"}]}',
      '{"model":"m","query":"q","documents":[]}',
      '{"model":"m","query":"q","documents":["a\u0001"]}',
      '{"model":"m","query":"q","documents":["\\x"]}',
      '{"model":"m","query":"q","documents":["a"],"documents":["b"]}',
      '{"model":"m","query":"q","documents":["a"]} x',
      '{"model":"m","query":"q","documents":["a"],"__proto__":{"x":1}}',
      '{"model":"m","query":"q","documents":["a"],"constructor":{"prototype":{}}}',
      '{"model":"m","query":"q","documents":["a"],"extra":{"a":{"b":{"c":{}}}}}',
      '{"model":"m","query":"q","documents":["a"]',
      '',
    ]) {
      assert.equal(parseRawRerankBody(new RawJsonBody(Buffer.from(body), 4), LIMITS), undefined, body);
    }
    // Invalid UTF-8 becomes U+FFFD on the general path; the raw path would forward other bytes.
    const bad = Buffer.concat([Buffer.from('{"model":"m","query":"q","documents":["a'), Buffer.from([0xff]), Buffer.from('"]}')]);
    assert.equal(parseRawRerankBody(new RawJsonBody(bad, 32), LIMITS), undefined);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
    return undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string; param?: string };
    return { code: e.code, message: e.message, param: e.param };
  }
}
