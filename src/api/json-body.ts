import { coded } from '../errors/gateway-error.js';

/** An unparsed JSON body for a route that opted in (`config.rawJsonBody`). */
export class RawJsonBody {
  constructor(
    readonly bytes: Buffer,
    private readonly maxDepth: number,
  ) {}

  /** The general path: what every other route is handed. */
  parse(): unknown {
    return parseJsonBody(this.bytes.toString('utf8'), this.maxDepth);
  }

  /** The same depth and prototype guards for one value found at `depth` (1 = the body). */
  check(value: unknown, depth: number): void {
    if (typeof value === 'object' && value !== null) checkDepth(value, this.maxDepth, depth);
  }

  /** Payload logging (LOG_PAYLOADS) shows the parsed body. */
  toJSON(): unknown {
    return this.parse();
  }
}

/**
 * Parses a JSON request body and checks it before any handler sees it: nesting no deeper
 * than `maxDepth` (absurdly nested bodies cost memory and stack in every later walk), no
 * `__proto__` keys and no `constructor.prototype` (prototype-pollution vectors once objects
 * get merged; escaped spellings are caught too, since the walk sees decoded keys).
 * The walk visits values, not characters, so a 1,000-document body costs ~1,000 steps.
 */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.length === 0) throw coded('body_empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8 throws RangeError (stack) for very deep input: same answer, it is not acceptable JSON for us.
    throw err instanceof RangeError ? coded('body_too_deep', { max: maxDepth }) : coded('body_not_json');
  }
  if (typeof value === 'object' && value !== null) checkDepth(value, maxDepth);
  return value;
}

/**
 * The same checks on a value a handler parsed itself (a passthrough body it must read):
 * nesting depth and prototype-poisoning keys.
 */
export function checkJsonValue(value: unknown, maxDepth: number): void {
  if (typeof value === 'object' && value !== null) checkDepth(value, maxDepth);
}

function checkDepth(root: object, maxDepth: number, rootDepth = 1): void {
  // Iterative: a recursive walk would itself be the stack risk we guard against.
  const stack: unknown[] = [root];
  const depths: number[] = [rootDepth];
  while (stack.length > 0) {
    const node = stack.pop() as object;
    const depth = depths.pop()!;
    if (depth > maxDepth) throw coded('body_too_deep', { max: maxDepth });
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === 'object' && v !== null) {
          stack.push(v);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in node) {
        if (key === '__proto__') throw coded('body_proto_key');
        const v = (node as Record<string, unknown>)[key];
        if (key === 'constructor' && typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype')) {
          throw coded('body_constructor_key');
        }
        if (typeof v === 'object' && v !== null) {
          stack.push(v);
          depths.push(depth + 1);
        }
      }
    }
  }
}
