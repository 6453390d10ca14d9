import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseChatBody } from '../../../src/api/openai/parse.js';
import { SseRenderer } from '../../../src/api/openai/sse.js';
import type { ChatChunk } from '../../../src/canonical/chat.js';
import { GatewayError } from '../../../src/errors/gateway-error.js';
import { OpenAiStreamTranslator } from '../../../src/providers/openai/stream.js';
import { SseDecoder } from '../../../src/transport/sse.js';

const DIR = 'test/fixtures/openai/chat/stream-tool-call';

function replay(bytes: Buffer, size: number): ChatChunk[] {
  const sse = new SseDecoder();
  const t = new OpenAiStreamTranslator();
  const out: ChatChunk[] = [];
  for (let i = 0; i < bytes.length; i += size)
    for (const data of sse.push(bytes.subarray(i, i + size))) out.push(...t.push({ kind: 'sse', data }));
  for (const data of sse.end()) out.push(...t.push({ kind: 'sse', data }));
  out.push(...t.end());
  return out;
}

describe('OpenAI-compatible stream translation from a recorded SSE stream', () => {
  const bytes = readFileSync(`${DIR}/stream.sse`);
  const expected = JSON.parse(readFileSync(`${DIR}/expected.json`, 'utf8'));
  for (const size of [1, 3, 50, 1 << 20]) {
    it(`CRLF framing, comments and [DONE], read ${size} bytes at a time`, () => {
      assert.deepEqual(replay(bytes, size), expected);
    });
  }

  it('splits a multi-byte character across reads without corrupting it', () => {
    const text = 'data: {"choices":[{"index":0,"delta":{"content":"héllo ✓"},"finish_reason":"stop"}]}\n\n';
    assert.deepEqual(replay(Buffer.from(text), 1), [
      { kind: 'text', text: 'héllo ✓' },
      { kind: 'finish', reason: 'stop' },
    ]);
  });

  it('turns an in-stream error event into a failure and an early end into a bad response', () => {
    const t = new OpenAiStreamTranslator();
    assert.throws(
      () => t.push({ kind: 'sse', data: '{"error":{"message":"overloaded","type":"server_error"}}' }),
      (e: any) => e instanceof GatewayError && e.code === 'upstream_unavailable',
    );
    const cut = new OpenAiStreamTranslator();
    cut.push({ kind: 'sse', data: '{"choices":[{"index":0,"delta":{"content":"par"},"finish_reason":null}]}' });
    assert.throws(
      () => cut.end(),
      (e: any) => e.code === 'upstream_bad_response',
    );
  });
});

describe('SSE rendering of canonical chunks', () => {
  const meta = { id: 'chatcmpl-x', created: 1730000000, model: 'claude-bedrock' };
  const parse = (s: string) =>
    s
      .split('\n\n')
      .filter(Boolean)
      .map((e) => JSON.parse(e.replace(/^data: /, '')));

  it('renders OpenAI chunks with the alias, usage null until the final usage chunk when include_usage is on', () => {
    const r = new SseRenderer(meta, 'chat', true);
    const events = parse(
      r.render([
        { kind: 'role' },
        { kind: 'text', text: 'Hi "there"' },
        { kind: 'tool', call: { index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '' } } },
        { kind: 'finish', reason: 'tool_calls' },
        { kind: 'usage', usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } },
      ]),
    );
    assert.equal(events.length, 5);
    for (const e of events)
      assert.deepEqual([e.id, e.object, e.model, e.created], ['chatcmpl-x', 'chat.completion.chunk', 'claude-bedrock', 1730000000]);
    assert.deepEqual(events[0].choices[0].delta, { role: 'assistant', content: '' });
    assert.equal(events[1].choices[0].delta.content, 'Hi "there"');
    assert.deepEqual(events[2].choices[0].delta.tool_calls[0].function, { name: 'f', arguments: '' });
    assert.equal(events[3].choices[0].finish_reason, 'tool_calls');
    assert.equal(events[3].usage, null);
    assert.deepEqual(events[4].choices, []);
    assert.deepEqual(events[4].usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('leaves usage out unless asked, and renders text completions for /v1/completions', () => {
    const chat = new SseRenderer(meta, 'chat', false);
    assert.equal(chat.render([{ kind: 'usage', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } }]), '');
    assert.equal('usage' in parse(chat.render([{ kind: 'text', text: 'a' }]))[0], false);
    const text = parse(
      new SseRenderer(meta, 'text', false).render([{ kind: 'role' }, { kind: 'text', text: 'abc' }, { kind: 'finish', reason: 'stop' }]),
    );
    assert.deepEqual(
      text.map((e) => [e.object, e.choices[0].text, e.choices[0].finish_reason]),
      [
        ['text_completion', 'abc', null],
        ['text_completion', '', 'stop'],
      ],
    );
  });

  it('keeps stream_options out of the canonical extras and include_usage off for non-streamed requests', () => {
    const req = parseChatBody({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream_options: { include_usage: true },
      logit_bias: {},
    });
    assert.equal(req.includeUsage, false);
    assert.deepEqual(req.extra, { logit_bias: {} });
  });
});
