import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import { COMMANDS, DEFAULT_COMMAND } from './commands.js';
import { oneLine } from './start-errors.js';
import { rankwayVersion } from './version.js';

export const USAGE = 'usage: rankway [serve|validate|eval|help] [-c FILE | --config FILE] [-h | --help] [-v | --version]';

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const commands = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n');
  return `rankway ${rankwayVersion()}: an AI gateway centred on reranking

${USAGE}

Commands:
${commands}

Options:
  -c, --config FILE  the config file (default: RANKWAY_CONFIG, else ./rankway.yaml if present,
                     else the embedded default: local/bm25, SQLite in ./data)
  -h, --help         show this help
  -v, --version      print the version

Exit codes: 0 ok, 1 start-up failed, 2 invalid command line or configuration.
Set LOG_LEVEL=debug to see the stack trace of a start-up failure.
`;
}

/** Runs the command line; resolves with the exit code (a running server never resolves). */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv, (name) => COMMANDS[name]?.ownArgs === true);
    if (parsed.command !== undefined && parsed.command !== 'help' && !Object.hasOwn(COMMANDS, parsed.command)) {
      throw new UsageError(`unknown command ${parsed.command} (commands: ${Object.keys(COMMANDS).join(', ')})`);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`rankway: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.options.version) {
    process.stdout.write(`rankway ${rankwayVersion()}\n`);
    return 0;
  }
  if (parsed.options.help || parsed.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  const command = COMMANDS[parsed.command ?? DEFAULT_COMMAND];
  try {
    return await command.run(parsed.options, parsed.rest);
  } catch (err) {
    process.stderr.write(`rankway: failed to start: ${oneLine(err)}\n`);
    if (env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace') {
      const cause = (err as { cause?: unknown }).cause ?? err;
      process.stderr.write(`${(cause as Error).stack ?? String(cause)}\n`);
    }
    return 1;
  }
}
