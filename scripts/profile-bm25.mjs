// local/bm25 over 1,000 documents of 200 words: CPU milliseconds per query (best and median
// of several rounds; the machine is shared). Usage: node --import tsx scripts/profile-bm25.mjs
import { bm25Scores } from '../src/providers/local/bm25.js';

const VOCAB = (
  'gateway rerank latency metrics tokens keys rotation kubernetes traces admin provider fallback chunk ' +
  'document query ranking search relevance running deployed configured policies classes services ' +
  'requests responses timeouts retries limits quotas billing usage storage database cache network ' +
  'the of and to in is for on with as by at from that this are be or an it was'
).split(' ');
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const docs = Array.from({ length: 1000 }, () =>
  Array.from({ length: 200 }, () => {
    const w = VOCAB[Math.floor(rand() * VOCAB.length)];
    return rand() < 0.1 ? w[0].toUpperCase() + w.slice(1) + '.' : w;
  }).join(' '),
);
const query = 'how do I rotate api keys on the gateway without downtime';

for (let i = 0; i < 20; i++) bm25Scores(query, docs); // warm-up
const runs = [];
for (let i = 0; i < 30; i++) {
  const c = process.cpuUsage();
  bm25Scores(query, docs);
  const u = process.cpuUsage(c);
  runs.push((u.user + u.system) / 1000);
}
runs.sort((a, b) => a - b);
console.log(JSON.stringify({ documents: docs.length, wordsPerDocument: 200, bestMs: runs[0].toFixed(2), medianMs: runs[15].toFixed(2) }));
