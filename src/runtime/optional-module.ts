import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads a package the first time a feature that needs it is configured, not at start-up.
 * The AWS credential chain, Google auth, PostgreSQL, Redis and OpenTelemetry each add
 * 10–25 MB of resident memory once loaded; the embedded default uses none of them.
 * Every package loaded this way ships CommonJS, so the load is synchronous and callers
 * stay synchronous too. Types still come from `import type`.
 */
export function loadOptional<T>(id: string): T {
  return require(id) as T;
}
