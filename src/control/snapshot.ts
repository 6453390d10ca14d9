import type { AwsAccessKey } from '../auth/inbound/aws-access-keys.js';
import type { Keyring } from '../auth/inbound/authenticator.js';
import type { SecretBox } from '../auth/secrets/secret-box.js';
import type { GatewayConfig, LoadedProvider } from '../config/load.js';
import { buildProviderEntry } from '../config/providers.js';
import type { ModelConfig } from '../config/schema.js';
import type { KeyLimits } from '../core/limits/types.js';
import type { RoutingTable } from '../core/router.js';
import type { ProviderRuntime } from '../core/provider-runtime.js';
import { PROVIDER_TYPES } from '../providers/registry.js';
import type { ResourceKind, StoredResource } from '../store/repository.js';
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
  /** A database row that cannot be used; `cause` is the error, e.g. a `SecretUnreadableError`. */
  skip(kind: string, id: string, reason: string, cause?: unknown): void;
}

/** Prefix of ids given to resources that come from the config file. */
export const FILE_ID_PREFIX = 'file:';

/** Turns a provider key row into a provider instance; throws with a reason when it cannot. */
export function loadProviderKey(row: StoredResource, box: SecretBox, options: ProviderKeyBuildOptions): LoadedProvider {
  const data = row.data as unknown as ProviderKeyData;
  const secret = JSON.parse(box.open(data.secret_sealed, row.id)) as Record<string, unknown>;
  const sealedConfig = data.config_sealed ? (JSON.parse(box.open(data.config_sealed, configAad(row.id))) as Record<string, unknown>) : {};
  return buildProvider({ ...data, config: { ...data.config, ...sealedConfig } }, secret, options);
}

/** Additional data binding a provider key's sealed config to its row (distinct from its secret's). */
export const configAad = (id: string): string => `${id}#config`;

export interface ProviderKeyBuildOptions {
  /** `upstreams.allow_metadata_addresses` of the config file. */
  readonly allowMetadataAddresses: boolean;
}

/**
 * Validates and builds a provider instance from a provider key's fields and credentials, with
 * the same per-type schema as the config file. The error lists problems by the admin API's
 * field names (`config.headers`, `secret.api_key`, `api_base`), never values.
 */
export function buildProvider(
  data: Pick<ProviderKeyData, 'display_name' | 'adapter' | 'api_base' | 'config'>,
  secret: Record<string, unknown>,
  options: ProviderKeyBuildOptions,
): LoadedProvider {
  const raw = {
    ...data.config,
    ...secret,
    name: data.display_name,
    type: data.adapter,
    ...(data.api_base ? { base_url: data.api_base } : {}),
  };
  const result = buildProviderEntry(raw, { allowMetadataAddresses: options.allowMetadataAddresses });
  if (result.ok) return result.provider;
  const where = (line: string): string => {
    const key = /^[^.[:]+/.exec(line)?.[0] ?? '';
    if (key === 'name') return 'display_name' + line.slice(key.length);
    if (key === 'type') return 'adapter' + line.slice(key.length);
    if (key === 'base_url' && data.api_base) return 'api_base' + line.slice(key.length);
    // Credentials belong in the secret: a missing one is reported there too.
    if (Object.hasOwn(secret, key) || (!Object.hasOwn(data.config, key) && CREDENTIAL_FIELD.test(key))) return `secret.${line}`;
    return line.startsWith('(root)') ? `config${line.slice('(root)'.length)}` : `config.${line}`;
  };
  throw new ProviderKeyError(result.problems.map(where));
}

/** Credential fields of the provider types (Bedrock's key pair, Vertex's key, `api_key` ...). */
const CREDENTIAL_FIELD = /^(api_key|access_key_id|secret_access_key|session_token|credentials_json|credentials_file|access_token)$/;

/** A provider key that does not validate; `problems` start with the admin field they concern. */
export class ProviderKeyError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'ProviderKeyError';
  }
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
    shadow: d.shadow ?? undefined,
    split: d.split ?? undefined,
    calibrate: d.calibrate,
    min_score: d.min_score ?? undefined,
  };
}

export function limitsOf(d: ApiKeyData): KeyLimits | undefined {
  if (d.rpm === null && d.tpm === null && d.rpd === null && d.budget === null) return undefined;
  return { rpm: d.rpm ?? undefined, tpm: d.tpm ?? undefined, rpd: d.rpd ?? undefined, budget: d.budget ?? undefined };
}
