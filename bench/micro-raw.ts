// In-process comparison of the raw rerank path with the general one (no HTTP): parse the
// inbound body, then write the upstream body. `node --import tsx bench/micro-raw.ts`
import { parseRerankBody } from '../src/api/rerank/parse.js';
import { parseRawRerankBody } from '../src/api/rerank/raw-parse.js';
import { isSplicedJson, splicedBytes } from '../src/canonical/raw-json.js';
import { cohereRerank } from '../src/providers/cohere/rerank.js';
import { RawJsonBody, parseJsonBody } from '../src/api/json-body.js';
import { rerankBodies } from './workloads.js';

const limits = { maxDocuments: 10_000, maxDocumentChars: 100_000 };
const cap = cohereRerank('v2');
const target = { provider: 'cohere', model: 'rerank-v3.5' };
for (const size of [20, 1000, 10_000]) {
  const bytes = Buffer.from(rerankBodies(size).unified);
  const general = () => {
    const req = parseRerankBody(parseJsonBody(bytes.toString('utf8'), 32), limits);
    const b = cap.build({ query: req.query, documents: req.documents, topN: 10 }, target).body;
    return Buffer.from(JSON.stringify(b), 'utf8');
  };
  const raw = () => {
    const req = parseRawRerankBody(new RawJsonBody(bytes, 32), limits)!;
    const idx = Int32Array.from({ length: req.documents.length }, (_, i) => i);
    const b = cap.build(
      { query: req.query, documents: req.documents, topN: 10, rawDocuments: { raw: req.raw!, indices: idx } },
      target,
    ).body;
    return isSplicedJson(b) ? splicedBytes(b) : Buffer.alloc(0);
  };
  const pipe = () => Buffer.from(bytes);
  if (!general().equals(raw())) throw new Error('bodies differ');
  const n = Math.max(20, Math.floor(200_000 / size));
  for (const [name, f] of [
    ['general', general],
    ['raw', raw],
    ['copy only', pipe],
  ] as const) {
    for (let i = 0; i < n; i++) f();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0);
    process.stdout.write(`${String(size).padStart(6)} docs  ${name.padEnd(10)} ${((c.user + c.system) / n).toFixed(1)} µs CPU\n`);
  }
}
