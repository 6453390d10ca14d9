import type { SplitConfig } from '../../config/lab.js';
import type { RequestContext } from '../context.js';

export interface Arm {
  readonly name: string;
  readonly model: string;
}

/**
 * 32-bit FNV-1a with murmur3's finaliser: FNV alone mixes the last characters poorly, and
 * sticky ids often differ only there (user-1, user-2 ...).
 */
export function stickyHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The value a request is assigned by: the named header, else the caller key, else (anonymous) the request id. */
export function stickyValue(split: SplitConfig, ctx: RequestContext): string {
  if (split.sticky === 'header' && split.header !== undefined) {
    const v = ctx.headers?.[split.header];
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined && value !== '') return `h:${value}`;
  }
  // Without caller keys every request is "anonymous": one shared value would send all of them to one arm.
  return ctx.caller.keyId === 'anonymous' ? `r:${ctx.requestId}` : `k:${ctx.caller.keyId}`;
}

/**
 * The arm of a request: a hash of the alias and the sticky value, placed on the arms'
 * cumulative weights. The same value always lands on the same arm while the weights stay;
 * changing one weight moves only the users on the boundary that moved.
 */
export function pickArm(split: SplitConfig, alias: string, value: string): Arm {
  let total = 0;
  for (const a of split.arms) total += a.weight;
  const point = (stickyHash(`${alias}\u0000${value}`) / 4294967296) * total;
  let acc = 0;
  for (const a of split.arms) {
    acc += a.weight;
    if (point < acc) return a;
  }
  return split.arms[split.arms.length - 1];
}
