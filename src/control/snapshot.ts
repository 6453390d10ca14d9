import type { AwsAccessKey } from '../auth/inbound/aws-access-keys.js';
import type { KeyEntry, Keyring } from '../auth/inbound/authenticator.js';
import type { SecretBox } from '../auth/secrets/secret-box.js';
import type { GatewayConfig, LoadedProvider } from '../config/load.js';
import { buildProviderEntry } from '../config/providers.js';
import type { ModelConfig } from '../config/schema.js';
import type { KeyLimits } from '../core/limits/types.js';
import type { RoutingTable } from '../core/router.js';
import type { ProviderRuntime } from '../core/upstream.js';
import type { StoredResource } from '../store/control.js';
import type { ApiKeyData, AwsAccessKeyData, ModelData, ProviderKeyData } from './resources.js';

/** Everything routing and auth read per request, built from the config file plus the database. */
export interface ControlSnapshot {
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
  const raw = { ...data.config, ...secret, name: data.display_name, type: data.adapter, ...(data.api_base ? { base_url: data.api_base } : {}) };
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

function modelFromRow(row: StoredResource, providerName: string): ModelConfig {
  const d = row.data as unknown as ModelData;
  return {
    name: d.display_name,
    target: `${providerName}/${d.model_name}`,
    fallbacks: d.fallbacks,
    price: d.price ?? undefined,
    cache: 'pairs',
    on_failure: 'error',
    arns: [],
  };
}

export function limitsOf(d: ApiKeyData): KeyLimits | undefined {
  if (d.rpm === null && d.tpm === null && d.rpd === null && d.budget === null) return undefined;
  return { rpm: d.rpm ?? undefined, tpm: d.tpm ?? undefined, rpd: d.rpd ?? undefined, budget: d.budget ?? undefined };
}

export function buildSnapshot(file: GatewayConfig, rows: DatabaseRows, deps: SnapshotDeps): ControlSnapshot {
  const providers = new Map<string, ProviderRuntime>();
  for (const p of file.providers.values()) providers.set(p.name, deps.runtime(`${FILE_ID_PREFIX}${p.name}`, p));
  const providerNameById = new Map<string, string>();
  for (const name of file.providers.keys()) providerNameById.set(`${FILE_ID_PREFIX}${name}`, name);
  for (const row of rows.providerKeys) {
    const name = (row.data as unknown as ProviderKeyData).display_name;
    if (providers.has(name)) {
      deps.skip('provider_key', row.id, `provider "${name}" is defined in the config file`);
      continue;
    }
    try {
      const options = { allowMetadataAddresses: file.upstreams.allow_metadata_addresses };
      providers.set(name, deps.runtime(`${row.id}@${row.updatedAt}`, loadProviderKey(row, deps.box, options)));
      providerNameById.set(row.id, name);
    } catch (err) {
      deps.skip('provider_key', row.id, (err as Error).message, err);
    }
  }

  const models = new Map<string, ModelConfig>(file.models);
  for (const row of rows.models) {
    const d = row.data as unknown as ModelData;
    const providerName = providerNameById.get(d.provider_key_id);
    if (models.has(d.display_name)) deps.skip('model', row.id, `alias "${d.display_name}" is defined in the config file`);
    else if (!providerName) deps.skip('model', row.id, `provider key ${d.provider_key_id} is not usable`);
    else models.set(d.display_name, modelFromRow(row, providerName));
  }

  const keyring = new Map<string, KeyEntry>();
  for (const k of file.server.keys) {
    keyring.set(k.key_sha256, { id: k.name, name: k.name, hash: Buffer.from(k.key_sha256, 'hex'), allowedModels: k.allowed_models, disabled: false });
  }
  for (const row of rows.apiKeys) {
    const d = row.data as unknown as ApiKeyData;
    if (keyring.has(d.key_hash)) continue;
    keyring.set(d.key_hash, {
      id: row.id,
      name: d.name ?? row.id,
      hash: Buffer.from(d.key_hash, 'hex'),
      allowedModels: d.allowed_models ?? undefined,
      disabled: d.disabled,
      expiresAt: d.expires_at ? Date.parse(d.expires_at) : undefined,
      limits: limitsOf(d),
    });
  }
  const byId = new Map<string, KeyEntry>();
  for (const k of keyring.values()) byId.set(k.id, k);
  const awsAccessKeys = new Map<string, AwsAccessKey>();
  for (const k of file.server.aws_access_keys) {
    awsAccessKeys.set(k.access_key_id, {
      accessKeyId: k.access_key_id,
      secretAccessKey: k.secret_access_key,
      caller: { keyId: k.name, name: k.name, allowedModels: k.allowed_models },
      disabled: false,
    });
  }
  for (const row of rows.awsAccessKeys ?? []) {
    const d = row.data as unknown as AwsAccessKeyData;
    const key = byId.get(d.api_key_id);
    if (awsAccessKeys.has(d.access_key_id)) continue; // the config file's pair wins
    if (!key) {
      deps.skip('aws_access_key', row.id, `API key ${d.api_key_id} no longer exists`);
      continue;
    }
    try {
      awsAccessKeys.set(d.access_key_id, {
        accessKeyId: d.access_key_id,
        secretAccessKey: deps.box.open(d.secret_sealed, row.id),
        caller: { keyId: key.id, name: key.name, allowedModels: key.allowedModels, limits: key.limits },
        disabled: d.disabled || key.disabled,
        expiresAt: key.expiresAt,
      });
    } catch (err) {
      deps.skip('aws_access_key', row.id, (err as Error).message, err);
    }
  }
  return {
    version: rows.version,
    file,
    table: { models, providers },
    keyring,
    awsAccessKeys,
    providerKeys: rows.providerKeys,
    models: rows.models,
    apiKeys: rows.apiKeys,
    awsAccessKeyRows: rows.awsAccessKeys ?? [],
  };
}
