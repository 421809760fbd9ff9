#!/usr/bin/env node
import { CommanderError } from 'commander';
import { isHeraldError } from '@herald/core';
import { createLogger } from '@herald/telemetry';
import { buildCli } from './cli.js';
import { parseCliEnv } from './env.js';

try {
  const env = parseCliEnv(process.env);
  const logger = createLogger({
    app: 'cli',
    level: env.HERALD_LOG_LEVEL,
    destination: process.stderr,
  });
  await buildCli(env, logger).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    // A human reads this: the message, not a stack.
    process.stderr.write(`herald: ${isHeraldError(err) ? err.message : (err as Error).message}\n`);
    process.exitCode = 1;
  }
}
