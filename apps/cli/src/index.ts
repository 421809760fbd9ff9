export { buildCli, repoRoot } from './cli.js';
export type { CliTerminal } from './cli.js';
export { appOnlySettings } from './app-settings.js';
export { cliSettingNames, parseCliEnv } from './env.js';
export type { CliEnv } from './env.js';
export type { CommandContext } from './commands/index.js';
