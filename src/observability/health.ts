import type { Redis } from 'ioredis';
import type { Logger } from './log.js';

/** What a dependency reports: up or not, and a short reason or figures (never hosts or URLs). */
export interface DependencyStatus {
  readonly up: boolean;
  /** Why it is down, or what state it is in ("shared", "backlog 120/100000" ...). */
  readonly detail?: string;
}

/**
 * One dependency the gateway works better with. `probe` is asked for the state (a ping, or a
 * getter over state the owner already tracks, such as a limiter's shared/local flag); a probe
 * that throws or takes longer than the registry's timeout counts as down.
 */
export interface Dependency {
  readonly name: string;
  probe(): DependencyStatus | Promise<DependencyStatus>;
  /** Releases what the probe holds (connections); called on shutdown. */
  close?(): Promise<void>;
}

export interface DependencyReport extends DependencyStatus {
  readonly name: string;
  /** ISO time of the last change of state. */
  readonly since: string;
}

/**
 * The dependency-health registry: database, Redis, and whatever else registers. Probed in the
 * background (and on each `/healthz`); each change of state is logged once, as a warning when
 * a dependency goes down and as info when it comes back. Outages are degradations, reported
 * here and as `rankway_dependency_up{dependency}`; readiness consults them only when the
 * operator opted into strict readiness.
 */
export class DependencyRegistry {
  private readonly deps = new Map<string, Dependency>();
  private readonly states = new Map<string, DependencyReport>();
  private timer?: NodeJS.Timeout;
  private probing?: Promise<DependencyReport[]>;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 2000,
  ) {}

  /** Adds a dependency (names are metric label values: fixed at boot, a closed set). */
  register(dep: Dependency): void {
    if (this.deps.has(dep.name)) throw new Error(`dependency "${dep.name}" is already registered`);
    this.deps.set(dep.name, dep);
  }

  /** For owners that learn their state as it happens (a circuit breaker opening): no probe needed. */
  report(name: string, status: DependencyStatus): void {
    const previous = this.states.get(name);
    const since = previous && previous.up === status.up ? previous.since : new Date().toISOString();
    this.states.set(name, { name, up: status.up, detail: status.detail, since });
    if (previous?.up === status.up) return;
    if (!status.up) this.logger.warn({ dependency: name, detail: status.detail }, 'dependency down: serving degraded');
    else if (previous) this.logger.info({ dependency: name, detail: status.detail }, 'dependency up again');
  }

  /** The last known state of each dependency (registered ones and reported ones). */
  current(): DependencyReport[] {
    return [...this.states.values()];
  }

  isUp(name: string): boolean | undefined {
    return this.states.get(name)?.up;
  }

  /** Probes every registered dependency at once, each bounded by the timeout; one run at a time. */
  probe(): Promise<DependencyReport[]> {
    this.probing ??= (async () => {
      try {
        await Promise.all([...this.deps.values()].map(async (d) => this.report(d.name, await this.run(d))));
        return this.current();
      } finally {
        this.probing = undefined;
      }
    })();
    return this.probing;
  }

  start(intervalMs = 5000): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.probe(), intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.deps.values()].map((d) => d.close?.()));
  }

  private async run(dep: Dependency): Promise<DependencyStatus> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(() => dep.probe()),
        new Promise<DependencyStatus>((resolve) => {
          timer = setTimeout(() => resolve({ up: false, detail: 'timed out' }), this.timeoutMs);
        }),
      ]);
    } catch {
      // Generic on purpose: driver messages can carry hosts, users or URLs.
      return { up: false, detail: 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Redis reachable: `PING` on a connection that never queues commands while disconnected. */
export function redisDependency(url: string, name = 'redis'): Dependency {
  let redis: Redis | undefined;
  return {
    name,
    async probe() {
      if (!redis) {
        const { Redis } = await import('ioredis');
        redis = new Redis(url, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: 1500,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        });
        redis.on('error', () => {
          // Reported through the probe result, not as an unhandled error event.
        });
      }
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      await redis.ping();
      return { up: true };
    },
    async close() {
      redis?.disconnect();
    },
  };
}
