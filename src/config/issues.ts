import type { z } from 'zod';
import { suggestKey } from './suggest.js';

export interface FormatOptions {
  /** Prepended to every path, e.g. `providers[0]`. */
  readonly prefix?: string;
  /** The schema the issues came from: unknown keys are compared with the keys it knows there. */
  readonly schema?: z.ZodType;
  /** Known mistakes and the key each one means (see `ProviderDefinition.optionHints`). */
  readonly hints?: Readonly<Record<string, string>>;
}

/**
 * `providers[2].base_url: Invalid URL` style lines from zod issues. An unknown key gets a line
 * of its own: `providers[0].service_account_key_file: unknown key (did you mean credentials_file?)`.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], options: FormatOptions = {}): string[] {
  const prefix = options.prefix ?? '';
  const lines: string[] = [];
  for (const issue of issues) {
    const path = joinPath(prefix, issue.path);
    if (issue.code !== 'unrecognized_keys') {
      lines.push(`${path || '(root)'}: ${issue.message}`);
      continue;
    }
    const known = options.schema ? knownKeysAt(options.schema, issue.path) : [];
    // Hints are meant for the top level of an entry (a provider's own options).
    const hints = issue.path.length === 0 ? options.hints : undefined;
    for (const key of issue.keys) {
      const meant = suggestKey(key, known, hints);
      lines.push(`${joinPath(path, [key])}: unknown key${meant ? ` (did you mean ${meant}?)` : ''}`);
    }
  }
  return lines;
}

export function joinPath(prefix: string, keys: readonly PropertyKey[]): string {
  let path = prefix;
  for (const key of keys) path += typeof key === 'number' ? `[${key}]` : path ? `.${String(key)}` : String(key);
  return path;
}

/** The keys an object schema accepts at `path`, looking through optional/default/pipe/array wrappers. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  for (let i = 0; i <= path.length && node; i++) {
    node = unwrap(node);
    if (!node) return [];
    if (i === path.length) break;
    const def = node._zod.def as unknown as Record<string, unknown>;
    const key = path[i];
    if (def.type === 'object') node = (def.shape as Record<string, z.core.$ZodType>)[String(key)];
    else if (def.type === 'array') node = def.element as z.core.$ZodType;
    else if (def.type === 'record') node = def.valueType as z.core.$ZodType;
    else return [];
  }
  if (!node) return [];
  const def = node._zod.def as unknown as Record<string, unknown>;
  return def.type === 'object' ? Object.keys(def.shape as object) : [];
}

function unwrap(node: z.core.$ZodType): z.core.$ZodType | undefined {
  let current: z.core.$ZodType = node;
  for (let guard = 0; guard < 20; guard++) {
    const def = current._zod.def as unknown as Record<string, unknown>;
    if (def.innerType) current = def.innerType as z.core.$ZodType;
    else if (def.type === 'pipe') current = def.in as z.core.$ZodType;
    else if (def.type === 'lazy') current = (def.getter as () => z.core.$ZodType)();
    else return current;
  }
  return undefined;
}
