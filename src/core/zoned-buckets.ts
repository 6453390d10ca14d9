/**
 * Time buckets in a viewer's IANA time zone (local hours or local days, DST included), and
 * the assignment of stored UTC slices to them. Pure: Intl only, so it runs in the browser too.
 */

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
const DAY = 86_400_000;

export type BucketUnit = 'hour' | 'day';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True when `tz` is an IANA zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time at `utc` in `tz`, written as if it were a UTC instant (epoch ms). */
export function wallTime(tz: string, utc: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(utc))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (((utc % 1000) + 1000) % 1000);
}

/** `tz`'s offset from UTC at `utc`, in ms (east positive). */
export const offsetAt = (tz: string, utc: number): number => wallTime(tz, utc) - utc;

/**
 * The first instant whose wall time in `tz` is at or after `wall`: a wall time skipped by a
 * DST jump maps to the instant the clocks jumped at, a repeated one to its first occurrence.
 */
export function instantOf(tz: string, wall: number): number {
  // Offsets in force within a day of the wall time: try each, keep the earliest that fits.
  const candidates = new Set([offsetAt(tz, wall - DAY), offsetAt(tz, wall), offsetAt(tz, wall + DAY)]);
  let best = Number.POSITIVE_INFINITY;
  for (const off of candidates) {
    const utc = wall - off;
    if (wallTime(tz, utc) === wall) best = Math.min(best, utc);
  }
  if (best !== Number.POSITIVE_INFINITY) return best;
  // In a gap: the wall time never happens; the day (or hour) starts when the clocks jump.
  let lo = wall - Math.max(...candidates);
  let hi = wall - Math.min(...candidates) + HOUR * 3;
  while (hi - lo > MINUTE) {
    const mid = Math.floor((lo + hi) / 2 / MINUTE) * MINUTE;
    if (wallTime(tz, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Start of the local bucket (hour or day) holding `utc`. */
export function bucketStart(tz: string, utc: number, unit: BucketUnit): number {
  const wall = wallTime(tz, utc);
  const floored = unit === 'day' ? wall - (((wall % DAY) + DAY) % DAY) : wall - (((wall % HOUR) + HOUR) % HOUR);
  const start = instantOf(tz, floored);
  return start <= utc ? start : utc - (((utc % HOUR) + HOUR) % HOUR);
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucket(tz: string, start: number, unit: BucketUnit): number {
  if (unit === 'hour') {
    // A local hour is an hour of real time, except where the zone's offset changes by a part of an hour.
    const next = start + HOUR;
    const aligned = bucketStart(tz, next, 'hour');
    return aligned > start ? aligned : next;
  }
  const wall = wallTime(tz, start);
  const day = wall - (((wall % DAY) + DAY) % DAY);
  return instantOf(tz, day + DAY);
}

/** Bucket boundaries covering `[from, to)`: n+1 instants for n buckets, the first at or before `from`. */
export function bucketBounds(tz: string, from: number, to: number, unit: BucketUnit, max = 5000): number[] {
  const out = [bucketStart(tz, from, unit)];
  while (out[out.length - 1] < to) {
    if (out.length > max) throw new RangeError(`more than ${max} buckets`);
    out.push(nextBucket(tz, out[out.length - 1], unit));
  }
  return out;
}

/**
 * How to read `[from, to)` so every slice falls in one bucket: whole UTC hours from the
 * hourly rollup, except hours a bucket boundary cuts through (zones offset by a part of an
 * hour) and the partial hours at the ends, which come from raw records by minute.
 */
export function slicePlan(
  bounds: readonly number[],
  from: number,
  to: number,
): { hours: [number, number]; raw: [number, number][]; cut: Set<number> } {
  const h0 = Math.ceil(from / HOUR) * HOUR;
  const h1 = Math.floor(to / HOUR) * HOUR;
  const raw: [number, number][] = [];
  const cut = new Set<number>();
  if (h0 >= h1) return { hours: [h0, h0], raw: [[from, to]], cut };
  if (from < h0) raw.push([from, h0]);
  for (const b of bounds) {
    const hour = Math.floor(b / HOUR) * HOUR;
    if (b % HOUR !== 0 && hour >= h0 && hour < h1 && !cut.has(hour)) {
      cut.add(hour);
      raw.push([hour, hour + HOUR]);
    }
  }
  if (h1 < to) raw.push([h1, to]);
  return { hours: [h0, h1], raw, cut };
}

/** Index of the bucket holding `at` (bounds ascending), or -1 outside them. */
export function bucketIndex(bounds: readonly number[], at: number): number {
  let lo = 0;
  let hi = bounds.length - 1;
  if (at < bounds[0] || at >= bounds[hi]) return -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (bounds[mid] <= at) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The value at quantile `q` (0-1) of a histogram of `[value, count]` sorted by value; null when empty. */
export function quantile(histogram: readonly (readonly [number, number])[], q: number): number | null {
  const total = histogram.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  // Nearest rank: the smallest value with at least q of the mass at or below it.
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [value, n] of histogram) {
    seen += n;
    if (seen >= rank) return value;
  }
  return histogram[histogram.length - 1][0];
}
