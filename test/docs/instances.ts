// One Rankway per distinct config, started on free ports against fake upstreams and reused
// by every README block that runs with that config.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { interpolateEnv } from '../../src/config/interpolate.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { withFakeUpstreams, type Upstreams } from './upstreams.js';

type Raw = Record<string, any>;

const NAMED_LISTS = new Set(['providers', 'models', 'keys', 'aws_access_keys']);

/**
 * The configs of one section, merged in order: objects key by key, and the named lists
 * (providers, models, keys, aws_access_keys) entry by entry, a later entry replacing an
 * earlier one of the same name.
 */
export function mergeConfigs(configs: readonly Raw[]): Raw {
  const merge = (a: any, b: any, key?: string): any => {
    if (Array.isArray(a) && Array.isArray(b) && key && NAMED_LISTS.has(key)) {
      const out = [...a];
      for (const e of b) {
        const i = out.findIndex((x) => x?.name !== undefined && x.name === e?.name);
        if (i >= 0) out[i] = e;
        else out.push(e);
      }
      return out;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const out: Raw = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = k in a ? merge(a[k], v, k) : v;
      return out;
    }
    return b;
  };
  return configs.reduce((acc, c) => merge(acc, c ?? {}), {} as Raw);
}

export interface Instance {
  readonly proxy: string;
  readonly admin: string;
  readonly gateway: RunningGateway;
}

export class Instances {
  private readonly running = new Map<string, Promise<{ instance: Instance; upstreams: Upstreams }>>();

  constructor(
    private readonly scratch: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The instance for `config` (as the README writes it), started on first use. */
  get(config: Raw): Promise<Instance> {
    const interpolated = interpolateEnv(config, this.env) as Raw;
    const key = createHash('sha256').update(JSON.stringify(interpolated)).digest('hex').slice(0, 12);
    let entry = this.running.get(key);
    if (!entry) {
      entry = this.start(interpolated, key);
      this.running.set(key, entry);
    }
    return entry.then((e) => e.instance);
  }

  get size(): number {
    return this.running.size;
  }

  private async start(interpolated: Raw, key: string) {
    const dir = join(this.scratch, `instance-${key}`);
    mkdirSync(dir, { recursive: true });
    const upstreams = await withFakeUpstreams(interpolated, this.env, dir);
    try {
      const gateway = await startGateway(upstreams.raw, this.env);
      return { instance: { proxy: gateway.url, admin: gateway.adminUrl, gateway }, upstreams };
    } catch (err) {
      await upstreams.close();
      throw err;
    }
  }

  async closeAll(): Promise<void> {
    const all = await Promise.allSettled(this.running.values());
    for (const r of all) {
      if (r.status !== 'fulfilled') continue;
      await r.value.instance.gateway.close();
      await r.value.upstreams.close();
    }
  }
}
