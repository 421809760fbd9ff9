import type { Command } from 'commander';
import { registerAuditCommand } from './audit-command.js';
import { registerCancelCommand } from './cancel-command.js';
import type { CommandContext } from './command-context.js';
import { registerDlqCommand } from './dlq-command.js';
import { registerKeysCommand } from './keys-command.js';
import { registerProduceCommand } from './produce-command.js';
import { registerRateLimitsCommand } from './rate-limits-command.js';
import { registerRecipientsCommand } from './recipients-command.js';
import { registerRulesCommand } from './rules-command.js';
import { registerSilencesCommand } from './silences-command.js';
import { registerStackCommand } from './stack-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerTailCommand } from './tail-command.js';
import { registerTenantsCommand } from './tenants-command.js';
import { registerTestSendCommand } from './test-send-command.js';
import { registerTemplatesCommand } from './templates-command.js';
import { registerTokensCommand } from './tokens-command.js';
import { registerTopicsCommand } from './topics-command.js';
import { registerWatchCommand } from './watch-command.js';

/**
 * Every `herald` command. A new command group is one file in this folder exporting
 * `register<Name>Command(program, context)`, plus one line here.
 */
export const commandRegistrations: readonly ((
  program: Command,
  context: CommandContext,
) => void)[] = [
  registerStackCommand,
  registerProduceCommand,
  registerTailCommand,
  registerRulesCommand,
  registerSilencesCommand,
  registerTemplatesCommand,
  registerAuditCommand,
  registerDlqCommand,
  registerStatusCommand,
  registerCancelCommand,
  registerTokensCommand,
  registerWatchCommand,
  registerTenantsCommand,
  registerKeysCommand,
  registerTestSendCommand,
  registerRecipientsCommand,
  registerTopicsCommand,
  registerRateLimitsCommand,
];

export type { CommandContext } from './command-context.js';
