import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { Logger } from '@herald/core';
import { commandRegistrations } from './commands/index.js';
import type { CliEnv } from './env.js';

/** The repository root, for the stack script (apps/cli/dist/cli.js → ../../..). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Builds the `herald` program. Never exits the process: main.ts does, so tests
 * run commands in-process with their own output stream.
 */
export function buildCli(
  env: CliEnv,
  logger: Logger,
  out: NodeJS.WritableStream = process.stdout,
): Command {
  const program = new Command('herald')
    .description(
      'Herald: notifications from Kafka events. Settings come from the environment (KAFKA_BROKERS, DATABASE_URL, ...) and default to the local stack.',
    )
    .showHelpAfterError()
    .exitOverride();
  for (const register of commandRegistrations) register(program, { env, logger, out, repoRoot });
  return program;
}
