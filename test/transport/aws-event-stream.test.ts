import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { AwsEventStreamDecoder } from '../../src/transport/aws-event-stream.js';
import { countWork } from '../helpers/scan-count.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function message(eventType: string, payload: Uint8Array): Buffer {
  return Buffer.from(
    codec.encode({
      headers: {
        ':event-type': { type: 'string', value: eventType },
        ':message-type': { type: 'string', value: 'event' },
      },
      body: payload,
    }),
  );
}

describe('AwsEventStreamDecoder', () => {
  it('decodes messages split at every boundary, including inside the length field', () => {
    const bytes = Buffer.concat([message('a', fromUtf8('{"x":1}')), message('b', fromUtf8('{}')), message('c', new Uint8Array(300))]);
    for (const size of [1, 2, 3, 5, 17, 4096]) {
      const d = new AwsEventStreamDecoder();
      const types: string[] = [];
      for (let i = 0; i < bytes.length; i += size)
        for (const f of d.push(bytes.subarray(i, i + size))) types.push(f.headers[':event-type']);
      assert.deepEqual(types, ['a', 'b', 'c'], `size ${size}`);
      assert.equal(d.hasPartial, false);
    }
  });

  it('collects a 256 KB message from 256-byte reads copying each byte once', () => {
    const bytes = message('chunk', new Uint8Array(256 * 1024).fill(7));
    const d = new AwsEventStreamDecoder();
    const frames: Uint8Array[] = [];
    const work = countWork(() => {
      for (let i = 0; i < bytes.length; i += 256) for (const f of d.push(bytes.subarray(i, i + 256))) frames.push(f.payload);
    }, bytes.length * 2);
    assert.equal(frames.length, 1);
    assert.equal(frames[0].length, 256 * 1024);
    // Joining the buffer to each new read would copy ~n²/(2·256) bytes (about 128 MB here).
    assert.ok(work.copied <= bytes.length * 2, `copied ${work.copied} bytes for ${bytes.length}`);
  });

  it('refuses a message longer than the cap from its length field, holding none of it', () => {
    const d = new AwsEventStreamDecoder(1024 * 1024);
    const head = Buffer.alloc(12);
    head.writeUInt32BE(40 * 1024 * 1024, 0);
    const err = (() => {
      try {
        d.push(head.subarray(0, 2));
        d.push(head.subarray(2));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_bad_response');
    assert.match(err.message, /1048576-byte limit/);
    assert.equal(d.hasPartial, false);
  });

  it('reports corruption (bad CRC) as a bad upstream response', () => {
    const bytes = message('a', fromUtf8('{}'));
    bytes[bytes.length - 1] ^= 0xff;
    assert.throws(
      () => new AwsEventStreamDecoder().push(bytes),
      (e: unknown) => e instanceof GatewayError && e.message.includes('corrupt'),
    );
  });
});
