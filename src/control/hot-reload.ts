import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { GatewayConfig } from '../config/load.js';
import type { Logger } from '../observability/log.js';
import type { ControlPlane } from './control-plane.js';

/**
 * Reloads providers, models and caller keys from the config file on SIGHUP or when the file
 * changes. In-flight requests finish on the snapshot they started with; a file that fails
 * validation is ignored (the running config stays) and the reason is logged. Server and
 * storage settings (ports, hosts, database) take effect on restart only.
 */
export class ConfigReloader {
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;

  constructor(
    private readonly control: ControlPlane,
    private readonly load: () => GatewayConfig,
    private readonly logger: Logger,
  ) {}

  async reload(reason: string): Promise<boolean> {
    let next: GatewayConfig;
    try {
      next = this.load();
    } catch (err) {
      this.logger.error({ reason, problems: (err as Error).message }, 'config reload rejected: keeping the running config');
      return false;
    }
    await this.control.useFile(next);
    this.logger.info({ reason, providers: [...next.providers.keys()], models: next.models.size }, 'config reloaded');
    return true;
  }

  /** Watches the file's directory (editors replace files rather than writing in place). */
  watch(file: string): void {
    const name = basename(file);
    this.watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload('file changed'), 200);
    });
    this.watcher.unref();
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}
