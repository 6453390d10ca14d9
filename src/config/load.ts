import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROVIDER_TYPES } from '../providers/registry.js';
import { ConfigError, interpolateEnv } from './interpolate.js';
import { formatIssues } from './issues.js';
import { loadProviderEntries, type LoadedProvider } from './providers.js';
import { configSchema, type ModelConfig, type RawConfig } from './schema.js';
import { labModelNames } from './lab.js';

export { formatIssues } from './issues.js';
export type { LoadedProvider } from './providers.js';

/** A validated configuration with provider instances built. Immutable once loaded. */
export interface GatewayConfig {
  readonly server: RawConfig['server'];
  readonly storage: RawConfig['storage'];
  readonly providers: ReadonlyMap<string, LoadedProvider>;
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly cache: RawConfig['cache'];
  readonly dialects: RawConfig['dialects'];
  readonly upstreams: RawConfig['upstreams'];
  /** The file the config came from, or null for the embedded default. */
  readonly source: string | null;
}

export interface LoadOptions {
  /** The config file to read (the command line's `--config`); otherwise found as `findConfigFile` says. */
  readonly file?: string;
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Finds the config file: `--config`, then RANKWAY_CONFIG, then ./rankway.yaml if present. */
export function findConfigFile(options: LoadOptions = {}): string | null {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i >= 0) {
    const value = argv[i].includes('=') ? argv[i].slice('--config='.length) : argv[i + 1];
    if (!value) throw new ConfigError(['--config needs a file path']);
    return resolve(cwd, value);
  }
  if (env.RANKWAY_CONFIG) return resolve(cwd, env.RANKWAY_CONFIG);
  const local = resolve(cwd, 'rankway.yaml');
  return existsSync(local) ? local : null;
}

export function loadConfig(options: LoadOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const file = options.file !== undefined ? resolve(options.cwd ?? process.cwd(), options.file) : findConfigFile(options);
  let raw: unknown = {};
  if (file !== null) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([`cannot read config file ${file}: ${(err as Error).message}`]);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError([`${file} is not valid YAML: ${(err as Error).message}`]);
    }
  }
  return buildConfig(raw, { env, source: file });
}

/** Validates a parsed (YAML or object) config; every problem names its path. */
export function buildConfig(raw: unknown, options: { env?: NodeJS.ProcessEnv; source?: string | null } = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const interpolated = interpolateEnv(raw, env) as Record<string, unknown>;
  const parsed = configSchema.safeParse(interpolated);
  // Provider entries are checked even when another section is wrong, so one run lists every problem.
  const entries = Array.isArray(interpolated.providers) ? (interpolated.providers as unknown[]) : [];
  const allowMetadataAddresses = parsed.success ? parsed.data.upstreams.allow_metadata_addresses : false;
  const loaded = loadProviderEntries(entries, { allowMetadataAddresses });
  const providers = loaded.providers;
  if (!providers.has('local')) {
    const local = PROVIDER_TYPES.get('local')!;
    const config = local.configSchema.parse({ name: 'local', type: 'local' });
    providers.set('local', { name: 'local', config, adapter: local.create(config) });
  }
  if (!parsed.success) {
    // Model targets are checked too, so one run still lists every problem.
    const targets = rawTargetProblems(interpolated.models, providers, loaded.invalid);
    throw new ConfigError([...formatIssues(parsed.error.issues, { schema: configSchema }), ...loaded.problems, ...targets]);
  }
  const cfg = applyEnvOverrides(parsed.data, env);

  const problems: string[] = [...loaded.problems];

  const models = new Map<string, ModelConfig>();
  cfg.models.forEach((m, i) => {
    if (models.has(m.name)) problems.push(`models[${i}].name: "${m.name}" is defined twice`);
    const targetProblem = checkTarget(m.target, providers, loaded.invalid);
    if (targetProblem) problems.push(`models[${i}].target: ${targetProblem}`);
    models.set(m.name, m);
  });
  cfg.models.forEach((m, i) => {
    m.fallbacks.forEach((f, j) => {
      if (models.has(f)) return;
      const problem = checkTarget(f, providers, loaded.invalid);
      if (problem) problems.push(`models[${i}].fallbacks[${j}]: ${problem}`);
    });
  });
  cfg.models.forEach((m, i) => {
    for (const { name, path } of labModelNames(m)) {
      if (models.has(name)) continue;
      const problem = checkTarget(name, providers, loaded.invalid);
      if (problem) problems.push(`models[${i}].${path}: ${problem}`);
    }
  });
  cfg.server.keys.forEach((k, i) => {
    if (cfg.server.keys.findIndex((o) => o.name === k.name) !== i) problems.push(`server.keys[${i}].name: "${k.name}" is defined twice`);
  });
  const arnOwner = new Map<string, string>();
  cfg.models.forEach((m, i) => {
    m.arns.forEach((arn, j) => {
      const owner = arnOwner.get(arn);
      if (owner !== undefined && owner !== m.name)
        problems.push(`models[${i}].arns[${j}]: "${arn}" is already claimed by model "${owner}"`);
      arnOwner.set(arn, owner ?? m.name);
    });
  });
  cfg.server.aws_access_keys.forEach((k, i) => {
    if (cfg.server.aws_access_keys.findIndex((o) => o.access_key_id === k.access_key_id) !== i) {
      problems.push(`server.aws_access_keys[${i}].access_key_id: "${k.access_key_id}" is defined twice`);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    server: cfg.server,
    storage: cfg.storage,
    providers,
    models,
    cache: cfg.cache,
    dialects: cfg.dialects,
    upstreams: cfg.upstreams,
    source: options.source ?? null,
  };
}

/** Target and fallback problems of model entries read as written (the schema failed elsewhere). */
function rawTargetProblems(models: unknown, providers: ReadonlyMap<string, LoadedProvider>, invalid: ReadonlySet<string>): string[] {
  if (!Array.isArray(models)) return [];
  const names = new Set(models.map((m) => (m && typeof m === 'object' ? (m as { name?: unknown }).name : undefined)));
  const problems: string[] = [];
  models.forEach((m, i) => {
    if (!m || typeof m !== 'object') return;
    const { target, fallbacks } = m as { target?: unknown; fallbacks?: unknown };
    const problem = typeof target === 'string' ? checkTarget(target, providers, invalid) : undefined;
    if (problem) problems.push(`models[${i}].target: ${problem}`);
    if (!Array.isArray(fallbacks)) return;
    fallbacks.forEach((f, j) => {
      const p = typeof f === 'string' && !names.has(f) ? checkTarget(f, providers, invalid) : undefined;
      if (p) problems.push(`models[${i}].fallbacks[${j}]: ${p}`);
    });
  });
  return problems;
}

function checkTarget(
  target: string,
  providers: ReadonlyMap<string, LoadedProvider>,
  invalid: ReadonlySet<string> = new Set(),
): string | undefined {
  const slash = target.indexOf('/');
  if (slash <= 0) return `"${target}" must be "provider/model" or a model alias`;
  const provider = providers.get(target.slice(0, slash));
  if (!provider && invalid.has(target.slice(0, slash))) return undefined; // its own problems are listed
  if (!provider) return `provider "${target.slice(0, slash)}" is not configured`;
  const model = target.slice(slash + 1);
  if (provider.adapter.models && !provider.adapter.models.includes(model)) {
    return `provider "${provider.name}" has no model "${model}" (it has: ${provider.adapter.models.join(', ')})`;
  }
  return undefined;
}

function applyEnvOverrides(cfg: RawConfig, env: NodeJS.ProcessEnv): RawConfig {
  const server = { ...cfg.server };
  const port = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError([`${name}: "${v}" is not a valid port`]);
    return n;
  };
  server.port = port('PORT') ?? server.port;
  server.admin_port = port('ADMIN_PORT') ?? server.admin_port;
  server.host = env.HOST || server.host;
  server.admin_host = env.ADMIN_HOST || server.admin_host;
  const storage = { ...cfg.storage };
  storage.database_url = env.DATABASE_URL || storage.database_url;
  storage.redis_url = env.REDIS_URL || storage.redis_url;
  storage.redis_prefix = env.RANKWAY_REDIS_PREFIX || storage.redis_prefix;
  const limitsTimeout = Number(env.RANKWAY_REDIS_LIMITS_TIMEOUT_MS);
  if (Number.isInteger(limitsTimeout) && limitsTimeout > 0) storage.redis_limits_timeout_ms = limitsTimeout;
  storage.data_dir = env.RANKWAY_DATA_DIR || storage.data_dir;
  return { ...cfg, server, storage };
}
