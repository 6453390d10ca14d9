import { ConfigError } from '../config/interpolate.js';
import { findConfigFile, loadConfig } from '../config/load.js';
import { checkListenPolicy } from '../server/listen-policy.js';
import type { GlobalOptions } from './args.js';

/**
 * `rankway validate`: loads the config exactly as start-up would, without opening storage or
 * listening. Prints every problem with its path and exits 2, or a one-line summary and exits 0.
 */
export function runValidate(
  options: GlobalOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): number {
  let file: string | null = null;
  try {
    file = options.config ?? findConfigFile({ argv: [] });
    const config = loadConfig({ file: file ?? undefined, argv: [] });
    checkListenPolicy(config.server);
    const source = config.source ?? 'the embedded default';
    out.write(`rankway: ${source} is valid (${count(config.providers.size, 'provider')}, ${count(config.models.size, 'model')})\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err.write(`rankway: ${file ?? 'the configuration'} has ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}:\n`);
    for (const p of e.problems) err.write(`  ${p}\n`);
    return 2;
  }
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
