import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { SseDecoder } from '../../src/transport/sse.js';
import { countWork } from '../helpers/scan-count.js';

function decodeAll(text: string | Buffer, size: number, max?: number): string[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const d = new SseDecoder(max);
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...d.push(bytes.subarray(i, i + size)));
  out.push(...d.end());
  return out;
}

describe('SseDecoder', () => {
  it('joins multi-line data, skips comments and other fields, accepts LF and CRLF at any split', () => {
    const text = ': hello\r\nevent: x\r\ndata: one\r\ndata:two\r\n\r\nid: 7\ndata: {"a":"é✓"}\n\ndata: tail';
    for (const size of [1, 2, 3, 7, 1000]) assert.deepEqual(decodeAll(text, size), ['one\ntwo', '{"a":"é✓"}', 'tail'], `size ${size}`);
  });

  it('reads a 512 KB event arriving in 1-byte chunks with each byte searched once and copied once', () => {
    const payload = 'x'.repeat(512 * 1024);
    const bytes = Buffer.from(`data: ${payload}\n\n`);
    const d = new SseDecoder();
    const out: string[] = [];
    const work = countWork(() => {
      for (let i = 0; i < bytes.length; i++) out.push(...d.push(bytes.subarray(i, i + 1)));
    }, bytes.length * 2);
    assert.deepEqual(out, [payload]);
    // Linear: a decoder that searched its whole buffer again on every read would count ~n²/2.
    assert.ok(work.scanned <= bytes.length * 2, `scanned ${work.scanned} bytes for ${bytes.length}`);
    assert.ok(work.copied <= bytes.length * 2, `copied ${work.copied} bytes for ${bytes.length}`);
  });

  it('reads many small events in big reads without quadratic searching', () => {
    const bytes = Buffer.from('data: {"i":1}\n\n'.repeat(20_000));
    const work = countWork(() => assert.equal(decodeAll(bytes, 64 * 1024).length, 20_000), bytes.length * 2);
    assert.ok(work.scanned <= bytes.length * 2, `scanned ${work.scanned} bytes for ${bytes.length}`);
  });

  it('refuses an event without a newline once it passes the cap, before holding the rest', () => {
    const d = new SseDecoder(64 * 1024);
    const chunk = Buffer.alloc(4096, 'y');
    let fed = 0;
    const err = (() => {
      try {
        d.push(Buffer.from('data: '));
        for (; fed < 2 * 1024 * 1024; fed += chunk.length) d.push(chunk);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof GatewayError, 'the decoder kept growing');
    assert.equal(err.code, 'upstream_bad_response');
    assert.equal(err.failure, 'bad_response');
    assert.match(err.message, /65536-byte limit/);
    assert.ok(fed <= 64 * 1024, `refused only after ${fed} bytes`);
  });

  it('caps the sum of the data lines of one event, not only one line', () => {
    const line = `data: ${'z'.repeat(1000)}\n`;
    assert.throws(() => decodeAll(line.repeat(100), 4096, 50_000), /50000-byte limit/);
    // The same lines split into separate events are fine.
    assert.equal(decodeAll(`${line}\n`.repeat(100), 4096, 50_000).length, 100);
  });
});
