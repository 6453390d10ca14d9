import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bucketBounds,
  bucketIndex,
  bucketStart,
  instantOf,
  offsetAt,
  quantile,
  slicePlan,
  wallTime,
} from '../../src/core/zoned-buckets.js';

const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;

describe('time buckets in the viewer zone', () => {
  it('local days in a zone behind UTC start at local midnight, not UTC midnight', () => {
    const from = Date.parse('2026-06-10T12:00:00Z');
    const to = Date.parse('2026-06-13T12:00:00Z');
    const b = bucketBounds('America/Los_Angeles', from, to, 'day');
    assert.deepEqual(b.map(iso), [
      '2026-06-10T07:00:00.000Z',
      '2026-06-11T07:00:00.000Z',
      '2026-06-12T07:00:00.000Z',
      '2026-06-13T07:00:00.000Z',
      '2026-06-14T07:00:00.000Z',
    ]);
  });

  it('the spring-forward day has 23 hours and the fall-back day 25 (Europe/Paris)', () => {
    const spring = bucketBounds('Europe/Paris', Date.parse('2026-03-28T12:00:00Z'), Date.parse('2026-03-30T12:00:00Z'), 'day');
    const lengths = spring.slice(1).map((t, i) => (t - spring[i]) / H);
    assert.deepEqual(lengths, [24, 23, 24]);
    assert.equal(iso(spring[1]), '2026-03-28T23:00:00.000Z');
    const fall = bucketBounds('Europe/Paris', Date.parse('2026-10-24T12:00:00Z'), Date.parse('2026-10-26T12:00:00Z'), 'day');
    assert.deepEqual(
      fall.slice(1).map((t, i) => (t - fall[i]) / H),
      [24, 25, 24],
    );
  });

  it('hour buckets across a DST change stay an hour of real time each (no bucket of zero or two hours)', () => {
    const b = bucketBounds('America/New_York', Date.parse('2026-11-01T04:00:00Z'), Date.parse('2026-11-01T08:00:00Z'), 'hour');
    assert.ok(b.slice(1).every((t, i) => t - b[i] === H));
    // 01:00 local happens twice: the wall times of the buckets repeat, the instants do not.
    const walls = b.map((t) => new Date(wallTime('America/New_York', t)).toISOString().slice(11, 16));
    assert.deepEqual(walls.slice(0, 5), ['00:00', '01:00', '01:00', '02:00', '03:00']);
  });

  it('zones offset by half an hour cut UTC hours: those come from raw minutes', () => {
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2026-01-03T00:00:00Z');
    const b = bucketBounds('Asia/Kolkata', from, to, 'day');
    assert.equal(iso(b[1]), '2026-01-01T18:30:00.000Z');
    const plan = slicePlan(b, from, to);
    assert.deepEqual([...plan.cut].map(iso), ['2026-01-01T18:00:00.000Z', '2026-01-02T18:00:00.000Z']);
    assert.deepEqual(plan.hours.map(iso), [iso(from), iso(to)]);
    // Every slice start then falls in exactly one bucket.
    assert.equal(bucketIndex(b, Date.parse('2026-01-01T18:29:00Z')), 0);
    assert.equal(bucketIndex(b, Date.parse('2026-01-01T18:30:00Z')), 1);
  });

  it('partial hours at the ends of a range are read raw', () => {
    const from = Date.parse('2026-01-01T00:20:00Z');
    const to = Date.parse('2026-01-01T05:10:00Z');
    const plan = slicePlan(bucketBounds('UTC', from, to, 'hour'), from, to);
    assert.deepEqual(plan.hours.map(iso), ['2026-01-01T01:00:00.000Z', '2026-01-01T05:00:00.000Z']);
    assert.deepEqual(
      plan.raw.map((r) => r.map(iso)),
      [
        ['2026-01-01T00:20:00.000Z', '2026-01-01T01:00:00.000Z'],
        ['2026-01-01T05:00:00.000Z', '2026-01-01T05:10:00.000Z'],
      ],
    );
  });

  it('a day whose midnight is skipped starts when the clocks jump (America/Santiago 2026-09-06)', () => {
    const start = bucketStart('America/Santiago', Date.parse('2026-09-06T15:00:00Z'), 'day');
    assert.equal(new Date(wallTime('America/Santiago', start)).toISOString().slice(11, 16), '01:00');
    assert.ok(offsetAt('America/Santiago', start) === -3 * H);
    assert.equal(instantOf('UTC', Date.parse('2026-01-01T00:00:00Z')), Date.parse('2026-01-01T00:00:00Z'));
  });

  it('quantiles from a latency histogram use the nearest rank', () => {
    const h: [number, number][] = [
      [10, 50],
      [20, 45],
      [500, 5],
    ];
    assert.equal(quantile(h, 0.5), 10);
    assert.equal(quantile(h, 0.95), 20);
    assert.equal(quantile(h, 0.96), 500);
    assert.equal(quantile([], 0.5), null);
  });
});
