import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordId } from '../../src/store/record-id.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('usage record ids', () => {
  it('are UUIDv7 strings carrying the current time', () => {
    const before = Date.now();
    const id = recordId();
    assert.match(id, V7);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    assert.ok(ms >= before && ms <= Date.now() + 1, `timestamp ${ms}`);
  });

  it('sort in creation order and never repeat, even 20,000 in a burst', () => {
    const ids = Array.from({ length: 20_000 }, () => recordId());
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} before ${ids[i]}`);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids.slice(0, 50)) assert.match(id, V7);
  });
});
