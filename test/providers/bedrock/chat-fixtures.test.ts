import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseChatBody } from '../../../src/api/openai/parse.js';
import type { ChatChunk } from '../../../src/canonical/chat.js';
import { GatewayError } from '../../../src/errors/gateway-error.js';
import { bedrockChat, bedrockChatStream } from '../../../src/providers/bedrock/converse/index.js';
import { AwsEventStreamDecoder } from '../../../src/transport/aws-event-stream.js';

const ROOT = 'test/fixtures/bedrock/chat';
const read = (dir: string, file: string): any => JSON.parse(readFileSync(join(ROOT, dir, file), 'utf8'));
const cases = readdirSync(ROOT);

describe('Bedrock Converse translation, table-driven over fixtures', () => {
  for (const dir of cases.filter((d) => d.startsWith('converse-'))) {
    it(`${dir}: OpenAI request -> Converse request, Converse answer -> canonical result`, () => {
      const request = parseChatBody(read(dir, 'input.json'));
      const target = read(dir, 'target.json');
      assert.deepEqual(bedrockChat.build(request, target), read(dir, 'upstream-request.json'));
      const reply = { status: 200, headers: {}, body: Buffer.from(JSON.stringify(read(dir, 'upstream-response.json'))) };
      assert.deepEqual(bedrockChat.parse(reply, request), read(dir, 'expected.json'));
    });
  }
});

/** Feeds the recorded bytes in uneven pieces, as the network delivers them. */
function replay(bytes: Buffer, pieceSize: number): { chunks: ChatChunk[]; error?: GatewayError; frames: number } {
  const decoder = new AwsEventStreamDecoder();
  const translator = bedrockChatStream.translator(parseChatBody({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true }));
  const chunks: ChatChunk[] = [];
  let frames = 0;
  try {
    for (let i = 0; i < bytes.length; i += pieceSize) {
      for (const frame of decoder.push(bytes.subarray(i, i + pieceSize))) {
        frames++;
        chunks.push(...translator.push(frame));
      }
    }
    chunks.push(...translator.end());
    return { chunks, frames };
  } catch (err) {
    return { chunks, error: err as GatewayError, frames };
  }
}

describe('ConverseStream translation from recorded event-stream bytes', () => {
  for (const dir of cases.filter((d) => d.startsWith('stream-'))) {
    for (const pieceSize of [1, 7, 64, 1 << 20]) {
      it(`${dir} read ${pieceSize} bytes at a time`, () => {
        const bytes = readFileSync(join(ROOT, dir, 'stream.bin'));
        const expected: any[] = read(dir, 'expected.json');
        const { chunks, error } = replay(bytes, pieceSize);
        const wantError = expected.find((e) => e.error)?.error;
        assert.deepEqual(
          chunks,
          expected.filter((e) => !e.error),
        );
        if (wantError) {
          assert.ok(error instanceof GatewayError, `expected an error, got ${String(error)}`);
          assert.equal(error.code, wantError.code);
          assert.equal(error.status, wantError.status);
          assert.equal(error.upstreamCode, wantError.upstreamCode);
        } else assert.equal(error, undefined);
      });
    }
  }

  it('rejects a frame whose CRC does not match', () => {
    const bytes = Buffer.from(readFileSync(join(ROOT, 'stream-text', 'stream.bin')));
    bytes[20] ^= 0xff;
    const { error, frames } = replay(bytes, 1 << 20);
    assert.equal(frames, 0);
    assert.equal(error?.code, 'upstream_bad_response');
  });

  it('reports a stream that ends before messageStop', () => {
    const bytes = readFileSync(join(ROOT, 'stream-text', 'stream.bin'));
    // Cut after the third frame: messageStart and two deltas.
    let offset = 0;
    for (let i = 0; i < 3; i++) offset += bytes.readUInt32BE(offset);
    const { chunks, error } = replay(bytes.subarray(0, offset), 1 << 20);
    assert.equal(chunks.length, 3);
    assert.equal(error?.code, 'upstream_bad_response');
  });
});

describe('Bedrock request checks before any call', () => {
  const build = (body: Record<string, unknown>, model = 'anthropic.claude-3-haiku-20240307-v1:0') =>
    bedrockChat.build(parseChatBody({ model: 'x', ...body }), { provider: 'bedrock', model });
  const rejects = (fn: () => unknown, param: string, pattern: RegExp) =>
    assert.throws(fn, (e: any) => e instanceof GatewayError && e.status === 400 && e.param === param && pattern.test(e.message));

  it('rejects only-system conversations, remote image URLs, temperatures above 1 and bad tool arguments', () => {
    rejects(() => build({ messages: [{ role: 'system', content: 'x' }] }), 'messages', /user message/);
    rejects(
      () => build({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }),
      'messages[0].content[0].image_url.url',
      /data URLs/,
    );
    rejects(() => build({ messages: [{ role: 'user', content: 'x' }], temperature: 1.5 }), 'temperature', /between 0 and 1/);
    rejects(
      () =>
        build({
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1]' } }] },
          ],
        }),
      'messages[1].tool_calls',
      /JSON object/,
    );
  });

  it('refuses a named tool choice on families that cannot take it, and drops tools for "none"', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    rejects(
      () =>
        build(
          { messages: [{ role: 'user', content: 'x' }], tools, tool_choice: { type: 'function', function: { name: 'f' } } },
          'meta.llama3-1-70b-instruct-v1:0',
        ),
      'tool_choice',
      /named tool/,
    );
    const none = build({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'none' });
    assert.equal((none.body as any).toolConfig, undefined);
    const required = build(
      { messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'required' },
      'meta.llama3-1-70b-instruct-v1:0',
    );
    assert.deepEqual((required.body as any).toolConfig.toolChoice, { any: {} });
  });
});
