import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { COMMANDS } from '../../src/cli/commands.js';

const own = (name: string): boolean => name === 'eval';

describe('command-line parsing', () => {
  it('takes the global options before or after the subcommand', () => {
    assert.deepEqual(parseArgs([], own), { command: undefined, options: { config: undefined, help: false, version: false }, rest: [] });
    assert.deepEqual(parseArgs(['-c', 'a.yaml', 'validate'], own).options.config, 'a.yaml');
    assert.deepEqual(parseArgs(['validate', '--config', 'a.yaml'], own), {
      command: 'validate',
      options: { config: 'a.yaml', help: false, version: false },
      rest: [],
    });
    assert.equal(parseArgs(['--config=b.yaml'], own).options.config, 'b.yaml');
    assert.equal(parseArgs(['-h'], own).options.help, true);
    assert.equal(parseArgs(['validate', '--help'], own).options.help, true);
    assert.equal(parseArgs(['-v'], own).options.version, true);
  });

  it('hands a command that parses its own arguments everything after its name', () => {
    assert.deepEqual(parseArgs(['-c', 'x.yaml', 'eval', '--set', 's1', '-c', 'ignored'], own), {
      command: 'eval',
      options: { config: 'x.yaml', help: false, version: false },
      rest: ['--set', 's1', '-c', 'ignored'],
    });
  });

  const refused: Array<[string[], string]> = [
    [['--conifg', 'x'], 'unknown option --conifg'],
    [['-x'], 'unknown option -x'],
    [['validate', 'extra'], 'unexpected argument extra'],
    [['--config'], '--config needs a file path'],
    [['-c', '--help'], '-c needs a file path'],
    [['--config='], '--config needs a file path'],
  ];
  for (const [argv, message] of refused) {
    it(`refuses ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseArgs(argv, own),
        (err: Error) => err instanceof UsageError && err.message === message,
      );
    });
  }

  it('the subcommand table lists serve, eval and validate, each with a summary', () => {
    assert.deepEqual(Object.keys(COMMANDS), ['serve', 'eval', 'validate']);
    for (const c of Object.values(COMMANDS)) assert.ok(c.summary.length > 10);
  });
});
