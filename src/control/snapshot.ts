import type { AwsAccessKey } from '../auth/inbound/aws-access-keys.js';
import type { KeyEntry, Keyring } from '../auth/inbound/authenticator.js';
import type { SecretBox } from '../auth/secrets/secret-box.js';
import type { GatewayConfig, LoadedProvider } from '../config/load.js';
import type { ModelConfig, ProviderBaseConfig } from '../config/schema.js';
import type { KeyLimits } from '../core/limits/types.js';
import type { RoutingTable } from '../core/router.js';
import type { ProviderRuntime } from '../core/upstream.js';
import { PROVIDER_TYPES } from '../providers/registry.js';
import type { ResourceKind, StoredResource } from '../store/control.js';
import type { ApiKeyData, AwsAccessKeyData, ModelData, ProviderKeyData } from './resources.js';

/** Everything routing and auth read per request, built from the config file plus the database. */
export interface ControlSnapshot {
  /** The change-feed version the database part reflects. */
  readonly version: number;
  readonly file: GatewayConfig;
  readonly table: RoutingTable;
  readonly keyring: Keyring;
  /** Admin-issued AWS key pairs by access key id, secrets opened, for SigV4 verification. */
  readonly awsAccessKeys: ReadonlyMap<string, AwsAccessKey>;
  readonly providerKeys: readonly StoredResource[];
  readonly models: readonly StoredResource[];
  readonly apiKeys: readonly StoredResource[];
  readonly awsAccessKeyRows: readonly StoredResource[];
  /** One database row by kind and id, without scanning a list. */
  row(kind: ResourceKind, id: string): StoredResource | undefined;
}

export interface DatabaseRows {
  readonly version: number;
  readonly providerKeys: readonly StoredResource[];
  readonly models: readonly StoredResource[];
  readonly apiKeys: readonly StoredResource[];
  readonly awsAccessKeys?: readonly StoredResource[];
}

export interface SnapshotDeps {
  readonly box: SecretBox;
  /** Returns the runtime for a provider, reusing the previous one when nothing changed. */
  runtime(cacheKey: string, provider: LoadedProvider): ProviderRuntime;
  /** A database row that cannot be used (for example, sealed under another key). */
  skip(kind: string, id: string, reason: string): void;
}

/** Prefix of ids given to resources that come from the config file. */
export const FILE_ID_PREFIX = 'file:';

/** Turns a provider key row into a provider instance; throws with a reason when it cannot. */
export function loadProviderKey(row: StoredResource, box: SecretBox): LoadedProvider {
  const data = row.data as unknown as ProviderKeyData;
  const def = PROVIDER_TYPES.get(data.adapter);
  if (!def) throw new Error(`unknown adapter "${data.adapter}"`);
  const secret = JSON.parse(box.open(data.secret_sealed, row.id)) as Record<string, unknown>;
  return buildProvider(data, secret);
}

/** Validates and builds a provider instance from a provider key's fields and credentials. */
export function buildProvider(
  data: Pick<ProviderKeyData, 'display_name' | 'adapter' | 'api_base' | 'config'>,
  secret: Record<string, unknown>,
): LoadedProvider {
  const def = PROVIDER_TYPES.get(data.adapter);
  if (!def) throw new Error(`unknown adapter "${data.adapter}" (known: ${[...PROVIDER_TYPES.keys()].join(', ')})`);
  const raw = { ...data.config, ...secret, name: data.display_name, type: data.adapter, ...(data.api_base ? { base_url: data.api_base } : {}) };
  const parsed = def.configSchema.safeParse(raw);
  if (!parsed.success) {
    // Messages name fields, never values, so credentials cannot leak through them.
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(problems.join('; '));
  }
  const config = parsed.data as ProviderBaseConfig;
  return { name: config.name, config, adapter: def.create(config) };
}

export function modelFromRow(row: StoredResource, providerName: string): ModelConfig {
  const d = row.data as unknown as ModelData;
  return {
    name: d.display_name,
    target: `${providerName}/${d.model_name}`,
    fallbacks: d.fallbacks,
    price: d.price ?? undefined,
    cache: d.cache ?? 'pairs',
    on_failure: 'error',
    arns: [],
  };
}

export function limitsOf(d: ApiKeyData): KeyLimits | undefined {
  if (d.rpm === null && d.tpm === null && d.rpd === null && d.budget === null) return undefined;
  return { rpm: d.rpm ?? undefined, tpm: d.tpm ?? undefined, rpd: d.rpd ?? undefined, budget: d.budget ?? undefined };
}

