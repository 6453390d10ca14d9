import { z } from 'zod';
import { priceSchema } from '../config/schema.js';
import { shadowSchema, splitSchema, type ShadowConfig, type SplitConfig } from '../config/lab.js';
import { upstreamUrl } from '../providers/shared/options.js';

/** What the database holds for each admin resource (the `data` JSON of a row). */
export interface ProviderKeyData {
  readonly display_name: string;
  readonly provider: string;
  readonly adapter: string;
  readonly api_base: string | null;
  /** Non-secret provider settings (timeouts, ...), merged into the provider config. */
  readonly config: Record<string, unknown>;
  /**
   * The credential-like part of the config (header values, `*_key`, `*token*` ... fields), sealed
   * like the secret. Absent on rows written before it existed, whose `config` holds everything.
   */
  readonly config_sealed?: string;
  /** Names of the sealed config fields (`headers.authorization`, ...). */
  readonly config_sealed_fields?: string[];
  /** The `secret` JSON, sealed with the secret box; never leaves the server. */
  readonly secret_sealed: string;
  /** Names of the credential fields, so admins can see what is set without seeing it. */
  readonly secret_fields: string[];
}

export interface ModelData {
  readonly display_name: string;
  readonly provider: string;
  readonly model_name: string;
  readonly provider_key_id: string;
  readonly fallbacks: string[];
  readonly price: z.infer<typeof priceSchema> | null;
  /** Pair-score cache for this alias; rows stored before this field existed mean `pairs`. */
  readonly cache?: 'pairs' | 'off';
  /** Rerank Lab (see `config/lab.ts`): absent on rows stored before they existed. */
  readonly shadow?: ShadowConfig | null;
  readonly split?: SplitConfig | null;
  readonly calibrate?: boolean;
  readonly min_score?: number | null;
}

export interface ApiKeyData {
  readonly name: string | null;
  readonly key_hash: string;
  /** null: every model; []: none. */
  readonly allowed_models: string[] | null;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly rpd: number | null;
  readonly budget: { usd: number; period: 'day' | 'month' } | null;
  readonly expires_at: string | null;
  readonly disabled: boolean;
  readonly metadata: Record<string, unknown>;
}

const providerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/i, 'must be letters, digits, "-" or "_" (it is used in "name/model" addressing)');
const limit = z.number().int().positive().nullable();

export const providerKeyCreate = z.object({
  display_name: providerName,
  provider: z.string().min(1),
  adapter: z.string().min(1),
  secret: z.string().min(1),
  api_base: upstreamUrl.nullable().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});
export const providerKeyPatch = providerKeyCreate.partial();

export const modelCreate = z.object({
  display_name: z.string().min(1).max(200),
  provider: z.string().min(1),
  model_name: z.string().min(1),
  provider_key_id: z.string().min(1),
  fallbacks: z.array(z.string().min(1)).optional(),
  price: priceSchema.nullable().optional(),
  cache: z
    .enum(['pairs', 'off'])
    .optional()
    .describe('Pair-score cache: "off" for listwise rerankers whose scores depend on the whole list'),
  shadow: shadowSchema.nullable().optional().describe('Shadow model: a sample of requests also ranked by it after the answer, compared'),
  split: splitSchema.nullable().optional().describe('Traffic split between arms by weight, sticky per caller key or header'),
  calibrate: z.boolean().optional().describe('Return calibrated scores (raw ones in raw_relevance_score)'),
  min_score: z.number().min(0).max(1).nullable().optional().describe('Drop results whose calibrated score is below this'),
});
export const modelPatch = modelCreate.partial();

const apiKeyFields = {
  name: z.string().min(1).max(200).nullable().optional(),
  allowed_models: z.array(z.string().min(1)).nullable().optional(),
  rpm: limit.optional(),
  tpm: limit.optional(),
  rpd: limit.optional(),
  budget: z
    .strictObject({ usd: z.number().nonnegative(), period: z.enum(['day', 'month']) })
    .nullable()
    .optional(),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  disabled: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
};
export const apiKeyCreate = z.object({
  key_hash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be the sha256 hex digest of the key')
    .transform((s) => s.toLowerCase())
    .optional(),
  ...apiKeyFields,
});
export const apiKeyPatch = z.object(apiKeyFields);

/** Parses the `secret` JSON string: an object of credential fields. */
export function parseSecret(secret: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(secret) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface AwsAccessKeyData {
  readonly access_key_id: string;
  /** The API key whose policy, limits and usage a signed request takes. */
  readonly api_key_id: string;
  readonly secret_sealed: string;
  readonly disabled: boolean;
}

export const awsAccessKeyCreate = z.object({ api_key_id: z.string().min(1), disabled: z.boolean().optional() });
export const awsAccessKeyPatch = z.object({ disabled: z.boolean().optional() });
