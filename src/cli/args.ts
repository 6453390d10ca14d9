/** Thrown for a command line Rankway cannot make sense of; main prints it with the usage line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The options every subcommand shares. */
export interface GlobalOptions {
  readonly config?: string;
  readonly help: boolean;
  readonly version: boolean;
}

export interface ParsedArgs {
  readonly command?: string;
  readonly options: GlobalOptions;
  /** Arguments after a subcommand that parses its own (see `Command.ownArgs`). */
  readonly rest: readonly string[];
}

/**
 * Splits argv into the global options and a subcommand. Options may come before or after the
 * subcommand (`rankway -c f validate`, `rankway validate --config f`); a subcommand that takes
 * its own arguments (`ownArgs`) receives everything after its name untouched.
 */
export function parseArgs(argv: readonly string[], ownArgs: (command: string) => boolean): ParsedArgs {
  let config: string | undefined;
  let help = false;
  let version = false;
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '-v' || arg === '--version') version = true;
    else if (arg === '-c' || arg === '--config') {
      const value = argv[i + 1];
      if (value === undefined || value === '' || value.startsWith('-')) throw new UsageError(`${arg} needs a file path`);
      config = value;
      i++;
    } else if (arg.startsWith('--config=')) {
      config = arg.slice('--config='.length);
      if (!config) throw new UsageError('--config needs a file path');
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`);
    } else if (command === undefined) {
      command = arg;
      if (ownArgs(arg)) return { command, options: { config, help, version }, rest: argv.slice(i + 1) };
    } else {
      throw new UsageError(`unexpected argument ${arg}`);
    }
  }
  return { command, options: { config, help, version }, rest: [] };
}
