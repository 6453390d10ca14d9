import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * A base URL Rankway may send credentials to: http or https only (no `file:`, `ftp:` ...).
 * Which hosts are acceptable is decided in config, where the operator's switch lives.
 */
export const upstreamUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * The options every provider type accepts. Strict: a provider type adds its own fields with
 * `providerOptions({...})`, and any key that is neither is refused with its path.
 */
export const providerBaseShape = {
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'must be letters, digits, "-" or "_"'),
  type: z.string(),
  api_key: z.string().min(1).optional(),
  base_url: upstreamUrl.optional(),
  timeout_ms: positiveInt.default(30_000),
  max_retries: z.number().int().min(0).max(10).default(2),
  headers: z.record(z.string(), z.string()).default({}),
  max_documents_per_request: positiveInt.optional(),
  max_concurrency: positiveInt.default(16),
  /** Calls allowed to wait for a concurrency slot; beyond this Rankway sheds load with 503. */
  max_queue: z.number().int().min(0).default(1000),
  /** Largest number of chunk calls of one request in flight at once. */
  chunk_concurrency: positiveInt.default(4),
  requests_per_minute: positiveInt.optional(),
  /** How long a call over `max_concurrency` or `requests_per_minute` may wait before falling back. */
  queue_timeout_ms: z.number().int().min(0).default(5_000),
} as const;

export const providerBaseSchema = z.strictObject(providerBaseShape);
export type ProviderBaseConfig = z.infer<typeof providerBaseSchema>;

/**
 * A provider type's options: the common fields plus its own, unknown keys refused.
 * Example: `providerOptions({ api_key: z.string().min(1) })`.
 */
export function providerOptions<S extends z.core.$ZodLooseShape>(own: S) {
  // `extend` keeps the base's strictness (its catch-all refuses unknown keys).
  return providerBaseSchema.extend(own);
}
