import type { AwsAccessKey } from '../auth/inbound/aws-access-keys.js';
import type { KeyEntry } from '../auth/inbound/authenticator.js';
import type { GatewayConfig } from '../config/load.js';
import type { ModelConfig } from '../config/schema.js';
import type { RoutingTable } from '../core/router.js';
import type { ProviderRuntime } from '../core/provider-runtime.js';
import type { ResourceKind, StoredResource } from '../store/repository.js';
import type { ApiKeyData, AwsAccessKeyData, ModelData, ProviderKeyData } from './resources.js';
import {
  FILE_ID_PREFIX,
  limitsOf,
  loadProviderKey,
  modelFromRow,
  type ControlSnapshot,
  type DatabaseRows,
  type SnapshotDeps,
} from './snapshot.js';

const KINDS: readonly ResourceKind[] = ['provider_key', 'model', 'api_key', 'aws_access_key'];

/**
 * The running snapshot, patched one resource at a time. A change to an API key touches only
 * that key's keyring entry (and the AWS pairs issued for it), so with 100,000 keys a change
 * costs what one key costs. Provider keys and models are few: a change to one of them
 * recomputes the routing table from the rows in memory (no database read). Requests read
 * the keyring as it is at that moment; a Map update is atomic for them.
 */
export class SnapshotState implements ControlSnapshot {
  version = 0;
  table: RoutingTable = { models: new Map(), providers: new Map() };
  readonly keyring = new Map<string, KeyEntry>();
  readonly awsAccessKeys = new Map<string, AwsAccessKey>();
  private readonly rows = new Map<ResourceKind, Map<string, StoredResource>>(KINDS.map((k) => [k, new Map()]));
  private readonly keyById = new Map<string, KeyEntry>();
  private readonly fileAccessKeyIds = new Set<string>();
  private readonly sealedProviderKeys = new Set<string>();
  private readonly sealedAwsKeys = new Set<string>();
  /** Lists handed to the admin API, rebuilt on first read after their kind changed. */
  private readonly lists = new Map<ResourceKind, readonly StoredResource[]>();

  private constructor(
    public file: GatewayConfig,
    private readonly deps: SnapshotDeps,
  ) {}

  static build(file: GatewayConfig, rows: DatabaseRows, deps: SnapshotDeps): SnapshotState {
    const s = new SnapshotState(file, deps);
    s.version = rows.version;
    const put = (list: readonly StoredResource[] | undefined) => {
      for (const r of list ?? []) s.rows.get(r.kind)!.set(r.id, r);
    };
    put(rows.providerKeys);
    put(rows.models);
    put(rows.apiKeys);
    put(rows.awsAccessKeys);
    s.rebuildDerived();
    return s;
  }

  get providerKeys(): readonly StoredResource[] {
    return this.list('provider_key');
  }
  get models(): readonly StoredResource[] {
    return this.list('model');
  }
  get apiKeys(): readonly StoredResource[] {
    return this.list('api_key');
  }
  get awsAccessKeyRows(): readonly StoredResource[] {
    return this.list('aws_access_key');
  }

  /** Stored secrets the secret key cannot open, as `kind:id`: this instance cannot serve them. */
  get undecryptable(): ReadonlySet<string> {
    return new Set([...this.sealedProviderKeys, ...this.sealedAwsKeys]);
  }

  row(kind: ResourceKind, id: string): StoredResource | undefined {
    return this.rows.get(kind)!.get(id);
  }

  /** Every stored row, for the snapshot file. */
  allRows(): DatabaseRows {
    return {
      version: this.version,
      providerKeys: this.providerKeys,
      models: this.models,
      apiKeys: this.apiKeys,
      awsAccessKeys: this.awsAccessKeyRows,
    };
  }

  /** A new config file: everything derived is recomputed from the rows in memory. */
  useFile(file: GatewayConfig): void {
    this.file = file;
    this.rebuildDerived();
  }

  /**
   * Applies one resource as the database holds it now (`undefined`: deleted). Idempotent, so
   * replaying a change that was already applied is harmless. Returns whether routing changed.
   */
  apply(kind: ResourceKind, id: string, row: StoredResource | undefined): boolean {
    const rows = this.rows.get(kind)!;
    const old = rows.get(id);
    if (row) rows.set(id, row);
    else rows.delete(id);
    this.lists.delete(kind);
    switch (kind) {
      case 'api_key':
        this.patchApiKey(id, old, row);
        return false;
      case 'aws_access_key':
        this.patchAwsKey(id, old, row);
        return false;
      default:
        this.rebuildTable();
        return true;
    }
  }

  private list(kind: ResourceKind): readonly StoredResource[] {
    let list = this.lists.get(kind);
    if (!list) {
      list = [...this.rows.get(kind)!.values()];
      this.lists.set(kind, list);
    }
    return list;
  }

  private rebuildDerived(): void {
    this.rebuildTable();
    this.keyring.clear();
    this.keyById.clear();
    for (const k of this.file.server.keys) {
      const entry: KeyEntry = {
        id: k.name,
        name: k.name,
        hash: Buffer.from(k.key_sha256, 'hex'),
        allowedModels: k.allowed_models,
        disabled: false,
      };
      this.keyring.set(k.key_sha256, entry);
      this.keyById.set(entry.id, entry);
    }
    for (const row of this.rows.get('api_key')!.values()) this.patchApiKey(row.id, undefined, row, false);
    this.awsAccessKeys.clear();
    this.fileAccessKeyIds.clear();
    for (const k of this.file.server.aws_access_keys) {
      this.fileAccessKeyIds.add(k.access_key_id);
      this.awsAccessKeys.set(k.access_key_id, {
        accessKeyId: k.access_key_id,
        secretAccessKey: k.secret_access_key,
        caller: { keyId: k.name, name: k.name, allowedModels: k.allowed_models },
        disabled: false,
      });
    }
    for (const row of this.rows.get('aws_access_key')!.values()) this.patchAwsKey(row.id, undefined, row);
  }

  private patchApiKey(id: string, old: StoredResource | undefined, row: StoredResource | undefined, cascade = true): void {
    if (old) {
      const hash = (old.data as unknown as ApiKeyData).key_hash;
      if (this.keyring.get(hash)?.id === id) this.keyring.delete(hash);
      if (this.keyById.get(id)?.hash.toString('hex') === hash) this.keyById.delete(id);
    }
    if (row) {
      const d = row.data as unknown as ApiKeyData;
      // A key the config file declares wins over a stored one with the same hash.
      if (!this.keyring.has(d.key_hash)) {
        const entry: KeyEntry = {
          id: row.id,
          name: d.name ?? row.id,
          hash: Buffer.from(d.key_hash, 'hex'),
          allowedModels: d.allowed_models ?? undefined,
          disabled: d.disabled,
          expiresAt: d.expires_at ? Date.parse(d.expires_at) : undefined,
          limits: limitsOf(d),
        };
        this.keyring.set(d.key_hash, entry);
        this.keyById.set(row.id, entry);
      }
    }
    // Pairs issued for this key act as it: they follow its policy, limits and disabled flag.
    if (cascade) {
      for (const aws of this.rows.get('aws_access_key')!.values()) {
        if ((aws.data as unknown as AwsAccessKeyData).api_key_id === id) this.patchAwsKey(aws.id, aws, aws);
      }
    }
  }

  private patchAwsKey(id: string, old: StoredResource | undefined, row: StoredResource | undefined): void {
    if (old) {
      const accessKeyId = (old.data as unknown as AwsAccessKeyData).access_key_id;
      if (!this.fileAccessKeyIds.has(accessKeyId)) this.awsAccessKeys.delete(accessKeyId);
    }
    this.sealedAwsKeys.delete(`aws_access_key:${id}`);
    if (!row) return;
    const d = row.data as unknown as AwsAccessKeyData;
    if (this.awsAccessKeys.has(d.access_key_id)) return; // the config file's pair wins
    const key = this.keyById.get(d.api_key_id);
    if (!key) {
      this.deps.skip('aws_access_key', row.id, `API key ${d.api_key_id} no longer exists`);
      return;
    }
    try {
      this.awsAccessKeys.set(d.access_key_id, {
        accessKeyId: d.access_key_id,
        secretAccessKey: this.deps.box.open(d.secret_sealed, row.id),
        caller: { keyId: key.id, name: key.name, allowedModels: key.allowedModels, limits: key.limits },
        disabled: d.disabled || key.disabled,
        expiresAt: key.expiresAt,
      });
    } catch (err) {
      this.sealedAwsKeys.add(`aws_access_key:${id}`);
      this.deps.skip('aws_access_key', row.id, (err as Error).message, err);
    }
  }

  private rebuildTable(): void {
    const { file, deps } = this;
    const providers = new Map<string, ProviderRuntime>();
    for (const p of file.providers.values()) providers.set(p.name, deps.runtime(`${FILE_ID_PREFIX}${p.name}`, p));
    const providerNameById = new Map<string, string>();
    for (const name of file.providers.keys()) providerNameById.set(`${FILE_ID_PREFIX}${name}`, name);
    this.sealedProviderKeys.clear();
    for (const row of this.rows.get('provider_key')!.values()) {
      const name = (row.data as unknown as ProviderKeyData).display_name;
      if (!opens(deps, row)) this.sealedProviderKeys.add(`provider_key:${row.id}`);
      if (providers.has(name)) {
        deps.skip('provider_key', row.id, `provider "${name}" is defined in the config file`);
        continue;
      }
      try {
        providers.set(
          name,
          deps.runtime(
            `${row.id}@${row.updatedAt}`,
            loadProviderKey(row, deps.box, { allowMetadataAddresses: file.upstreams.allow_metadata_addresses }),
          ),
        );
        providerNameById.set(row.id, name);
      } catch (err) {
        deps.skip('provider_key', row.id, (err as Error).message, err);
      }
    }
    const models = new Map<string, ModelConfig>(file.models);
    for (const row of this.rows.get('model')!.values()) {
      const d = row.data as unknown as ModelData;
      const providerName = providerNameById.get(d.provider_key_id);
      if (models.has(d.display_name)) deps.skip('model', row.id, `alias "${d.display_name}" is defined in the config file`);
      else if (!providerName) deps.skip('model', row.id, `provider key ${d.provider_key_id} is not usable`);
      else models.set(d.display_name, modelFromRow(row, providerName));
    }
    this.table = { models, providers };
  }
}

function opens(deps: SnapshotDeps, row: StoredResource): boolean {
  try {
    deps.box.open((row.data as unknown as ProviderKeyData).secret_sealed, row.id);
    return true;
  } catch {
    return false;
  }
}

/** Builds a snapshot from scratch: what a patched one must always equal. */
export function buildSnapshot(file: GatewayConfig, rows: DatabaseRows, deps: SnapshotDeps): SnapshotState {
  return SnapshotState.build(file, rows, deps);
}
