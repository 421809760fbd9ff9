import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';

/** The tenant secrets of the settings (HERALD_GATEWAY_TENANT_SECRETS or _FILE), loaded on use. */
export async function tenantSecrets(context: CommandContext) {
  const { readTenantSecrets } = await import('@herald/subscriber-auth');
  const secrets = readTenantSecrets(context.env);
  if (secrets === undefined) {
    throw new Error(
      'no tenant secrets: set HERALD_GATEWAY_TENANT_SECRETS (or _FILE) to the JSON the gateway uses, e.g. {"acme":"<32+ bytes>"}',
    );
  }
  return secrets;
}

/** `1h`, `15m`, `30s`, `2d` or plain seconds → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (match === null) throw new Error(`--ttl "${text}": expected e.g. 900, 15m, 1h or 1d`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/**
 * `herald tokens issue --tenant t --subscriber u [--ttl 1h]`: prints a subscriber token
 * for the in-app gateway, signed with the tenant's secret. What a customer's backend
 * does for its users; this is for trying things and for scripts.
 */
export function registerTokensCommand(program: Command, context: CommandContext): void {
  const tokens = program.command('tokens').description('subscriber tokens for the in-app gateway');
  tokens
    .command('issue')
    .description("print a subscriber token (JWT, HS256, the tenant's secret)")
    .requiredOption('--tenant <tenant>', 'the tenant id')
    .requiredOption('--subscriber <subscriber>', 'the subscriber (recipient) id')
    .option('--ttl <duration>', 'lifetime: seconds or 15m, 1h, 1d (at most 7d)', '1h')
    .action(async (options: { tenant: string; subscriber: string; ttl: string }) => {
      const { issueSubscriberToken } = await import('@herald/subscriber-auth');
      const token = await issueSubscriberToken(await tenantSecrets(context), {
        tenant: options.tenant,
        subscriber: options.subscriber,
        ttlSeconds: parseTtl(options.ttl),
      });
      context.out.write(`${token}\n`);
    });
}
