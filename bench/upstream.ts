// The fake upstream: a Cohere v2 `/v2/rerank` (and v1) that answers instantly with valid
// scores, and an OpenAI-style `/v1/chat/completions` (plain and streaming) for the chat
// scenarios. Plain node:http so its own cost stays small and constant.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveUsage } from './child.js';

const CHAT_REPLY = 'Rankway routes this request to the cheapest healthy provider.';

let documentsReceived = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"message":"invalid json"}');
      return;
    }
    if (req.url === '/v1/chat/completions') return chat(body, res);
    const n = Array.isArray(body.documents) ? body.documents.length : 0;
    documentsReceived += n;
    const top = Math.min(n, typeof body.top_n === 'number' ? body.top_n : n);
    // Deterministic, already sorted: what matters here is the bytes on the wire, not the model.
    let results = '';
    for (let i = 0; i < top; i++) results += `${i ? ',' : ''}{"index":${(i * 7919) % n},"relevance_score":${(1 - i / (n + 1)).toFixed(6)}}`;
    const out = `{"id":"bench","results":[${results}],"meta":{"api_version":{"version":"2"},"billed_units":{"search_units":${Math.max(1, Math.ceil(n / 100))}}}}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});

function chat(body: any, res: import('node:http').ServerResponse): void {
  const created = 1763769600;
  if (body.stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const words = CHAT_REPLY.split(' ');
    for (let i = 0; i < words.length; i++) {
      const delta = { content: (i ? ' ' : '') + words[i] };
      res.write(
        `data: {"id":"c1","object":"chat.completion.chunk","created":${created},"model":"${body.model}","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":null}]}\n\n`,
      );
    }
    res.write(
      `data: {"id":"c1","object":"chat.completion.chunk","created":${created},"model":"${body.model}","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":10,"total_tokens":22}}\n\n`,
    );
    res.end('data: [DONE]\n\n');
    return;
  }
  const out = JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    created,
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: CHAT_REPLY }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 },
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
  res.end(out);
}

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => serveUsage((server.address() as AddressInfo).port, () => ({ documentsReceived })));
