export { buildCli, repoRoot } from './cli.js';
export { parseCliEnv } from './env.js';
export type { CliEnv } from './env.js';
export type { CommandContext } from './commands/index.js';
