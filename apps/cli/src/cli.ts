import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { Logger } from '@herald/core';
import { commandRegistrations } from './commands/index.js';
import type { CommandContext } from './commands/index.js';
import type { CliEnv } from './env.js';

/** What a terminal offers; tests pass their own, main.ts the real stderr and stdin. */
export type CliTerminal = Pick<CommandContext, 'progress' | 'confirm'>;

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
  terminal: CliTerminal = {},
): Command {
  const program = new Command('herald')
    .description(
      'Herald: notifications from Kafka events. Settings come from the environment (KAFKA_BROKERS, DATABASE_URL, ...) and default to the local stack.',
    )
    .option('-q, --quiet', 'no progress on stderr (it only shows on a terminal anyway)')
    .showHelpAfterError()
    .exitOverride();
  const context: CommandContext = {
    env,
    logger,
    out,
    repoRoot,
    ...terminal,
    // Read when a command runs: the flag is parsed after the commands are registered.
    get quiet() {
      return program.opts<{ quiet?: boolean }>().quiet === true;
    },
  };
  for (const register of commandRegistrations) register(program, context);
  return program;
}
