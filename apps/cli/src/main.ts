#!/usr/bin/env node
import { CommanderError } from 'commander';
import { isHeraldError } from '@herald/core';
// The logger alone: the package's index also loads OpenTelemetry (over a second at start-up).
import { createLogger } from '@herald/telemetry/logger';
import { buildCli } from './cli.js';
import { parseCliEnv } from './env.js';

async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

try {
  const env = parseCliEnv(process.env);
  const logger = createLogger({
    app: 'cli',
    level: env.HERALD_LOG_LEVEL,
    destination: process.stderr,
  });
  await buildCli(env, logger, process.stdout, {
    progress: process.stderr,
    // Only a person at a terminal can answer; elsewhere commands that ask need --yes.
    ...(process.stdin.isTTY && process.stderr.isTTY ? { confirm: askOnTerminal } : {}),
  }).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    // A human reads this: the message, not a stack.
    process.stderr.write(`herald: ${isHeraldError(err) ? err.message : (err as Error).message}\n`);
    process.exitCode = 1;
  }
}
