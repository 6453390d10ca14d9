import type { GlobalOptions } from './args.js';
import { runEvalCommand } from './eval.js';
import { runServe } from './serve.js';
import { runValidate } from './validate.js';

/** One subcommand of `rankway`. */
export interface Command {
  /** One line for `rankway --help`. */
  readonly summary: string;
  /** true: the command parses its own arguments (everything after its name is passed as is). */
  readonly ownArgs?: boolean;
  /** Resolves with the process exit code. */
  run(options: GlobalOptions, args: readonly string[]): Promise<number>;
}

/**
 * Every subcommand, by name; the first is the default. Adding one is one entry here, e.g.
 * `eval: { summary: '...', ownArgs: true, run: (_o, args) => runEvalCommand([...args]) },`.
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  serve: { summary: 'start the gateway (the default when no command is given)', run: (options) => runServe(options) },
  eval: {
    summary: 'evaluate rerankers on a labelled set (rankway eval --help)',
    ownArgs: true,
    run: (_options, args) => runEvalCommand([...args]),
  },
  validate: {
    summary: 'check the config file and print every problem (exit 0: valid, 2: not)',
    run: async (options) => runValidate(options),
  },
};

export const DEFAULT_COMMAND = 'serve';
