// Deterministic request bodies for the benchmark scenarios.

/** A tiny seeded generator so every run sends the same bytes. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SYLLABLES = [
  'ra',
  'nk',
  'way',
  'lo',
  'gen',
  'tra',
  'ce',
  'mi',
  'ter',
  'bu',
  'dget',
  'que',
  'ry',
  'da',
  'ta',
  'ser',
  'vo',
  'lat',
  'en',
  'cy',
  'ob',
  'ser',
  'va',
  'bil',
  'ity',
];

/** `count` documents of `words` pseudo-English words from a 4,000-word vocabulary. */
export function corpus(count: number, words: number, seed = 7): string[] {
  const rand = lcg(seed);
  const vocab = Array.from({ length: 4000 }, (_, i) => {
    let w = '';
    for (let k = 0, n = 2 + (i % 3); k < n; k++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    return w + (i % 97 === 0 ? '' : String.fromCharCode(97 + (i % 26)));
  });
  vocab.push('distributed', 'gateway', 'latency', 'observability', 'budget');
  return Array.from({ length: count }, () =>
    Array.from({ length: words }, () => vocab[Math.floor(rand() ** 1.5 * vocab.length)]).join(' '),
  );
}

/** The same rerank request as Rankway's unified body and as the Cohere v2 body it sends upstream. */
export function rerankBodies(size: number): { unified: string; cohere: string } {
  const documents = corpus(size, 40, size);
  const query = 'gateway latency budget';
  return {
    // cache: false: the same body is sent again and again; the pair cache has its own scenario.
    unified: JSON.stringify({ model: 'search', query, documents, top_n: 10, cache: false }),
    cohere: JSON.stringify({ model: 'rerank-v3.5', query, documents, top_n: 10 }),
  };
}

const seen = corpus(200, 40, 99);
let fresh = 0;
const freshRand = lcg(1234);

/** A request where `repeat` of the documents come from a fixed pool (seen before) and the rest are new. */
export function cacheRepeatBody(size: number, repeat: number): string {
  const documents: string[] = [];
  for (let i = 0; i < size; i++) {
    if (freshRand() < repeat) documents.push(seen[Math.floor(freshRand() * seen.length)]);
    else documents.push(`fresh document ${fresh++} about gateway latency and budgets`);
  }
  return JSON.stringify({ model: 'search', query: 'gateway latency budget', documents, top_n: 10 });
}

/** `count` documents of about `chars` characters each, as unified and Cohere bodies. */
export function longDocumentBodies(count: number, chars: number): { unified: string; cohere: string } {
  const words = corpus(count * Math.ceil(chars / 40), 6, chars);
  const documents = Array.from({ length: count }, (_, i) => {
    let text = '';
    for (let k = i; text.length < chars; k += count) text += (text ? ' ' : '') + words[k % words.length];
    return text.slice(0, chars);
  });
  const query = 'gateway latency budget';
  return {
    unified: JSON.stringify({ model: 'search', query, documents, top_n: 10, cache: false }),
    cohere: JSON.stringify({ model: 'rerank-v3.5', query, documents, top_n: 10 }),
  };
}
