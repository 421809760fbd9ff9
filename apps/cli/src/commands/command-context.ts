import { hostname, userInfo } from 'node:os';
import type { Logger } from '@herald/core';
import { createDatabase } from '@herald/store';
import type { CliEnv } from '../env.js';

/** What every command gets: validated settings, a logger, and where to write. */
export interface CommandContext {
  readonly env: CliEnv;
  readonly logger: Logger;
  readonly out: NodeJS.WritableStream;
  /** The repository root (for deploy/local/stack.sh). */
  readonly repoRoot: string;
}

/** Who runs a command, for the history of rules and templates: HERALD_ACTOR, else user@host. */
export function actorOf(context: CommandContext): string {
  if (context.env.HERALD_ACTOR !== undefined) return context.env.HERALD_ACTOR;
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `unknown@${hostname()}`;
  }
}

/** Runs `body` with a small database pool, closed afterwards whatever happens. */
export async function withDatabase<T>(
  context: CommandContext,
  body: (db: ReturnType<typeof createDatabase>) => Promise<T>,
): Promise<T> {
  const db = createDatabase({ url: context.env.DATABASE_URL, poolSize: 2, logger: context.logger });
  try {
    return await body(db);
  } finally {
    await db.destroy();
  }
}
