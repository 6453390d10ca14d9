#!/usr/bin/env node
import { runCli } from './cli/main.js';

// A running server keeps the process alive itself; anything else ends with its exit code.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`rankway: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
