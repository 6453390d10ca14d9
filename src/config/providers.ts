import { readFileSync } from 'node:fs';
import { PROVIDER_TYPES } from '../providers/registry.js';
import type { ProviderBaseConfig } from '../providers/shared/options.js';
import type { ProviderAdapter, ProviderDefinition } from '../providers/types.js';
import { formatIssues, joinPath } from './issues.js';
import { metadataAddressProblem } from './upstream-address.js';

/** A provider instance built from a validated entry. */
export interface LoadedProvider {
  readonly name: string;
  readonly config: ProviderBaseConfig;
  readonly adapter: ProviderAdapter;
}

export interface ProviderEntryOptions {
  /** `upstreams.allow_metadata_addresses`. */
  readonly allowMetadataAddresses: boolean;
  /** Read credential files named by the entry (config file: yes; admin API: the field is refused). */
  readonly readFiles?: boolean;
}

/** A provider entry that could be built, or the problems (with paths relative to the entry) why not. */
export type ProviderEntryResult =
  | { readonly ok: true; readonly provider: LoadedProvider }
  | { readonly ok: false; readonly problems: string[] };

/**
 * Validates one provider entry with its type's own schema and builds the instance. Shared by
 * the config file (`providers[i]`) and admin provider keys, so both refuse the same mistakes.
 * Problem lines name fields, never values, so credentials cannot leak through them.
 */
export function buildProviderEntry(raw: unknown, options: ProviderEntryOptions): ProviderEntryResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, problems: ['(root): must be a mapping with name and type'] };
  const entry = raw as Record<string, unknown>;
  const def: ProviderDefinition<ProviderBaseConfig> | undefined =
    typeof entry.type === 'string' ? PROVIDER_TYPES.get(entry.type) : undefined;
  if (!def) {
    const shown = typeof entry.type === 'string' ? `unknown provider type "${entry.type}"` : 'is required';
    return { ok: false, problems: [`type: ${shown} (known: ${[...PROVIDER_TYPES.keys()].join(', ')})`] };
  }
  const parsed = def.configSchema.safeParse(entry);
  if (!parsed.success)
    return { ok: false, problems: formatIssues(parsed.error.issues, { schema: def.configSchema, hints: def.optionHints }) };
  const config = parsed.data;
  const adapter = def.create(config);
  const problems = [...addressProblems(entry, options), ...(options.readFiles === false ? [] : credentialFileProblems(adapter))];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, provider: { name: config.name, config, adapter } };
}

/** Every provider entry of the config file, with `providers[i]` paths. */
export function loadProviderEntries(
  entries: readonly unknown[],
  options: ProviderEntryOptions,
): { providers: Map<string, LoadedProvider>; problems: string[]; invalid: Set<string> } {
  const providers = new Map<string, LoadedProvider>();
  const problems: string[] = [];
  /** Names of entries that failed, so models pointing at them are not reported a second time. */
  const invalid = new Set<string>();
  entries.forEach((raw, i) => {
    const at = `providers[${i}]`;
    const result = buildProviderEntry(raw, options);
    if (!result.ok) {
      const name = (raw as { name?: unknown } | null)?.name;
      if (typeof name === 'string') invalid.add(name);
      problems.push(...result.problems.map((p) => (p.startsWith('(root)') ? at + p.slice('(root)'.length) : `${at}.${p}`)));
      return;
    }
    if (providers.has(result.provider.name)) {
      problems.push(`${joinPath(at, ['name'])}: "${result.provider.name}" is already used by another provider`);
      return;
    }
    providers.set(result.provider.name, result.provider);
  });
  return { providers, problems, invalid };
}

/** Options holding URLs Rankway sends requests (and credentials) to. */
const URL_FIELDS = ['base_url', 'runtime_endpoint', 'agent_runtime_endpoint', 'sts_endpoint'] as const;

function addressProblems(entry: Record<string, unknown>, options: ProviderEntryOptions): string[] {
  if (options.allowMetadataAddresses) return [];
  const problems: string[] = [];
  for (const field of URL_FIELDS) {
    const value = entry[field];
    const why = typeof value === 'string' ? metadataAddressProblem(value) : undefined;
    if (why) problems.push(`${field}: ${why}; refused unless upstreams.allow_metadata_addresses is true`);
  }
  return problems;
}

/** A key file that cannot be used is a config problem now, not a stack trace at the first request. */
function credentialFileProblems(adapter: ProviderAdapter): string[] {
  if (adapter.auth.scheme !== 'google' || adapter.auth.serviceAccountFile === undefined) return [];
  const file = adapter.auth.serviceAccountFile;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return [`credentials_file: cannot read ${file} (${describeFsError(err)})`];
  }
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    return [`credentials_file: ${file} is not JSON (expected a service-account key)`];
  }
  const k = key as Record<string, unknown> | null;
  if (!k || typeof k.client_email !== 'string' || typeof k.private_key !== 'string') {
    return [`credentials_file: ${file} is not a service-account key (needs client_email and private_key)`];
  }
  return [];
}

/** `ENOENT` -> "no such file", and so on: the line stays short and readable. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    ENOTDIR: 'a parent is not a directory',
  };
  return (code && known[code]) ?? (err as Error).message;
}
