import type { Logger } from '@herald/core';
import type { CliEnv } from '../env.js';

/** What every command gets: validated settings, a logger, and where to write. */
export interface CommandContext {
  readonly env: CliEnv;
  readonly logger: Logger;
  readonly out: NodeJS.WritableStream;
  /** The repository root (for deploy/local/stack.sh). */
  readonly repoRoot: string;
}
