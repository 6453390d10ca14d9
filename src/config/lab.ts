import { z } from 'zod';

/**
 * Rerank Lab settings of an alias: a shadow model, a traffic split, score calibration.
 * Kept apart from `schema.ts` so the alias schema stays readable; the admin API's model
 * resource takes the same objects.
 */

/**
 * Sends a sample of the alias's traffic to a second model after the caller has its answer,
 * to compare the two rankings.
 * @example { model: 'cohere/rerank-v3.5', sample_rate: 0.1, max_qps: 5, daily_cost_cap: 2 }
 */
export const shadowSchema = z.strictObject({
  /** An alias or `provider/model`; never the caller's choice, so no allow-list applies. */
  model: z.string().min(1),
  /** Fraction of requests shadowed, 0..1. */
  sample_rate: z.number().min(0).max(1),
  /** Most shadow calls started per second (per instance); sampled requests over it are skipped. */
  max_qps: z.number().positive().default(1),
  /** USD the shadow may spend per UTC day (per instance); a call whose worst case would pass it is skipped. */
  daily_cost_cap: z.number().nonnegative(),
  /** Depth of overlap@k, Jaccard@k and RBO. */
  k: z.number().int().min(1).max(1000).default(10),
  /** Shadow calls in flight at once; more are skipped (a hanging shadow cannot pile up). */
  max_in_flight: z.number().int().min(1).max(1000).default(4),
  /** A shadow call is abandoned after this long. */
  timeout_ms: z.number().int().positive().default(10_000),
});
export type ShadowConfig = z.infer<typeof shadowSchema>;

const armName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be letters, digits, "-" or "_" (at most 64)');

/**
 * Splits the alias's traffic between arms by weight. The arm is a hash of the caller's key
 * (or of a named request header), so one user keeps one arm.
 * @example { sticky: 'header', header: 'x-user-id', arms: [{ name: 'a', model: 'cohere/rerank-v3.5', weight: 90 }, { name: 'b', model: 'voyage/rerank-2', weight: 10 }] }
 */
export const splitSchema = z
  .strictObject({
    sticky: z.enum(['key', 'header']).default('key'),
    /** With `sticky: header`: the header whose value picks the arm (requests without it use the caller key). */
    header: z
      .string()
      .regex(/^[a-z0-9-]+$/i, 'must be an HTTP header name')
      .transform((h) => h.toLowerCase())
      .optional(),
    arms: z
      .array(z.strictObject({ name: armName, model: z.string().min(1), weight: z.number().positive() }))
      .min(2)
      .max(16),
  })
  .superRefine((s, ctx) => {
    if (s.sticky === 'header' && s.header === undefined)
      ctx.addIssue({ code: 'custom', path: ['header'], message: 'is required with sticky: header' });
    const seen = new Set<string>();
    s.arms.forEach((a, i) => {
      if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: ['arms', i, 'name'], message: `"${a.name}" is used twice` });
      seen.add(a.name);
    });
  });
export type SplitConfig = z.infer<typeof splitSchema>;

/** The Rerank Lab fields of an alias (config file `models[]` and the admin API's models). */
export const labFields = {
  shadow: shadowSchema.optional(),
  split: splitSchema.optional(),
  /** Return calibrated scores (the served model's stored calibration); raw ones stay in `raw_relevance_score`. */
  calibrate: z.boolean().optional(),
  /** Drop results whose calibrated score is below this (implies `calibrate`); means the same on every fallback. */
  min_score: z.number().min(0).max(1).optional(),
};

/** Every model name the lab fields route to, with the path of the field naming it. */
export function labModelNames(m: { shadow?: ShadowConfig; split?: SplitConfig }): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  if (m.shadow) out.push({ name: m.shadow.model, path: 'shadow.model' });
  for (const [i, a] of (m.split?.arms ?? []).entries()) out.push({ name: a.model, path: `split.arms[${i}].model` });
  return out;
}
