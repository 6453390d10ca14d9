import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

describe('OpenAI surface input validation', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ providers: [{ name: 'oai', type: 'openai', base_url: 'http://127.0.0.1:9/v1', max_retries: 0 }] });
  });
  after(() => gw.close());

  const cases: Array<[string, string, unknown, string | null, RegExp]> = [
    ['chat: no messages', '/v1/chat/completions', { model: 'oai/m', messages: [] }, 'messages', /messages/],
    [
      'chat: unknown role',
      '/v1/chat/completions',
      { model: 'oai/m', messages: [{ role: 'robot', content: 'x' }] },
      'messages[0].role',
      /role/,
    ],
    [
      'chat: tool message without id',
      '/v1/chat/completions',
      { model: 'oai/m', messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].tool_call_id',
      /tool_call_id/,
    ],
    [
      'chat: temperature too high',
      '/v1/chat/completions',
      { model: 'oai/m', messages: [{ role: 'user', content: 'x' }], temperature: 3 },
      'temperature',
      /temperature/,
    ],
    ['chat: n > 1', '/v1/chat/completions', { model: 'oai/m', messages: [{ role: 'user', content: 'x' }], n: 2 }, 'n', /n > 1/],
    [
      'chat: bad tool name',
      '/v1/chat/completions',
      { model: 'oai/m', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'bad name!' } }] },
      'tools[0].function.name',
      /letters/,
    ],
    ['chat: not an object', '/v1/chat/completions', [1, 2], null, /JSON object/],
    ['completions: echo', '/v1/completions', { model: 'oai/m', prompt: 'x', echo: true }, 'echo', /echo/],
    ['embeddings: empty input', '/v1/embeddings', { model: 'oai/m', input: [] }, 'input', /input/],
    ['embeddings: empty string', '/v1/embeddings', { model: 'oai/m', input: '' }, 'input', /empty/],
    [
      'embeddings: bad encoding',
      '/v1/embeddings',
      { model: 'oai/m', input: 'x', encoding_format: 'hex' },
      'encoding_format',
      /encoding_format/,
    ],
  ];
  for (const [name, path, body, param, message] of cases) {
    it(`${name} -> 400 with param ${param}`, async () => {
      const res = await gw.post(path, body);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.equal(res.json.error.type, 'invalid_request_error');
      assert.equal(res.json.error.param, param);
      assert.match(res.json.error.message, message);
    });
  }

  it('a model whose provider cannot embed or chat is refused clearly', async () => {
    const res = await gw.post('/v1/chat/completions', { model: 'local/bm25', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'capability_not_supported');
  });

  it('an unreachable upstream is a 502 with x-should-retry false', async () => {
    const res = await gw.post('/v1/chat/completions', { model: 'oai/m', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 502);
    assert.equal(res.json.error.code, 'upstream_unavailable');
    assert.equal(res.headers.get('x-should-retry'), 'false');
  });
});
