import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { UsageTap } from '../../../src/api/bedrock-runtime/usage-tap.js';
import type { Usage } from '../../../src/canonical/usage.js';

async function pipeThrough(bytes: Buffer, contentType: string, piece: number): Promise<{ out: Buffer; usage: Usage[] }> {
  const usage: Usage[] = [];
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) parts.push(bytes.subarray(i, i + piece));
  const tap = Readable.from(parts).pipe(new UsageTap(contentType, (u) => usage.push(u)));
  const chunks: Buffer[] = [];
  for await (const c of tap) chunks.push(c as Buffer);
  return { out: Buffer.concat(chunks), usage };
}

describe('UsageTap: bytes pass through untouched, usage read on the side', () => {
  it('reads the metadata event of a ConverseStream, however the bytes are cut', async () => {
    const bytes = readFileSync('test/fixtures/bedrock/chat/stream-tool-call/stream.bin');
    for (const piece of [1, 13, 4096]) {
      const { out, usage } = await pipeThrough(bytes, 'application/vnd.amazon.eventstream', piece);
      assert.ok(out.equals(bytes));
      assert.deepEqual(usage, [{ inputTokens: 310, outputTokens: 40, searchUnits: 0, queries: 0 }]);
    }
  });

  it('reads a Converse JSON body and leaves unparseable bodies alone', async () => {
    const json = Buffer.from(JSON.stringify({ output: {}, usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10 } }));
    assert.deepEqual((await pipeThrough(json, 'application/json', 5)).usage, [
      { inputTokens: 7, outputTokens: 3, searchUnits: 0, queries: 0 },
    ]);
    const broken = Buffer.from('{"usage": {"inputTokens": 7');
    const { out, usage } = await pipeThrough(broken, 'application/json', 3);
    assert.ok(out.equals(broken));
    assert.deepEqual(usage, []);
  });

  it('passes corrupt event streams through without failing', async () => {
    const bytes = Buffer.from(readFileSync('test/fixtures/bedrock/chat/stream-text/stream.bin'));
    bytes[20] ^= 0xff;
    const { out, usage } = await pipeThrough(bytes, 'application/vnd.amazon.eventstream', 64);
    assert.ok(out.equals(bytes));
    assert.deepEqual(usage, []);
  });
});
