import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentsFromText, movement, pairwise } from '../../ui/src/lib/compare.js';
import { toCsv } from '../../ui/src/lib/csv.js';
import { bucketLabel, formatMs, formatRate, formatTime, formatUsd } from '../../ui/src/lib/format.js';
import { bucketFor, presetRange } from '../../ui/src/lib/range.js';

describe('console data logic', () => {
  it('formats cost so small amounts stay distinguishable and large ones readable', () => {
    assert.equal(formatUsd(0), '$0.00');
    assert.equal(formatUsd(0.002), '$0.002');
    assert.equal(formatUsd(0.0000123), '$0.000012');
    assert.equal(formatUsd(0.0123), '$0.0123');
    assert.equal(formatUsd(0.5), '$0.50');
    assert.equal(formatUsd(1.234), '$1.23');
    assert.equal(formatUsd(12345.678), '$12,345.68');
    assert.equal(formatUsd(-0.25), '-$0.25');
    assert.equal(formatUsd(null), '—');
    assert.equal(formatUsd(Number.NaN), '—');
  });

  it('formats latency, rates and times in a zone', () => {
    assert.equal(formatMs(0.42), '0.4 ms');
    assert.equal(formatMs(12.6), '13 ms');
    assert.equal(formatMs(1250), '1.25 s');
    assert.equal(formatRate(0.1234), '12.3%');
    assert.equal(formatRate(null), '—');
    assert.equal(formatTime('2026-03-29T01:30:00Z', 'Europe/Paris'), '2026-03-29 03:30');
    assert.equal(formatTime('2026-03-29T00:30:00Z', 'Europe/Paris', true), '2026-03-29 01:30:00');
    assert.equal(bucketLabel('2026-06-10T07:00:00Z', 'America/Los_Angeles', 'day'), '2026-06-10');
    assert.equal(bucketLabel('2026-06-10T07:00:00Z', 'Asia/Kolkata', 'hour'), '06-10 12:30');
  });

  it('overlap@k and RBO between every pair, with movement against the first ranking', () => {
    const rankings = [
      { name: 'a', order: [0, 1, 2, 3], scores: new Map() },
      { name: 'b', order: [0, 1, 2, 3], scores: new Map() },
      { name: 'c', order: [3, 2, 1, 0], scores: new Map() },
    ];
    const pairs = pairwise(rankings, 2);
    assert.deepEqual(
      pairs.map((p) => [p.a, p.b, p.k, p.overlap]),
      [
        ['a', 'b', 2, 1],
        ['a', 'c', 2, 0],
        ['b', 'c', 2, 0],
      ],
    );
    assert.ok(Math.abs(pairs[0].rbo - 1) < 1e-9, 'identical rankings agree fully');
    assert.ok(pairs[1].rbo < pairs[0].rbo);
    // k larger than the lists is cut to their length.
    assert.equal(pairwise(rankings.slice(0, 2), 10)[0].k, 4);
    const moved = movement([0, 1, 2, 3], [3, 0, 1]);
    assert.deepEqual(
      [...moved.entries()],
      [
        [3, 3],
        [0, -1],
        [1, -1],
      ],
    );
    assert.equal(movement([0], [5]).get(5), null);
  });

  it('pasted documents: one per line, blanks dropped', () => {
    assert.deepEqual(documentsFromText('a\r\n\n  b  \n'), ['a', 'b']);
  });

  it('CSV quotes what needs quoting and defuses formulas', () => {
    const csv = toCsv(
      ['model', 'cost_usd'],
      [
        { model: 'co,here', cost_usd: 0.5 },
        { model: 'say "hi"', cost_usd: -1 },
        { model: '=HYPERLINK("x")', cost_usd: null },
      ],
    );
    assert.equal(csv, 'model,cost_usd\r\n"co,here",0.5\r\n"say ""hi""",-1\r\n"\'=HYPERLINK(""x"")",\r\n');
  });

  it('range presets end on the next minute; two days or less are bucketed by hour', () => {
    const r = presetRange('24h', Date.parse('2026-01-01T10:00:30Z'));
    assert.equal(new Date(r.to).toISOString(), '2026-01-01T10:01:00.000Z');
    assert.equal(r.to - r.from, 86_400_000);
    assert.equal(bucketFor(r.from, r.to), 'hour');
    assert.equal(bucketFor(0, 7 * 86_400_000), 'day');
  });
});
