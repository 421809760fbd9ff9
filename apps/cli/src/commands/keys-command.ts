import type { Command } from 'commander';
import type { ApiKeyInfo, ApiKeyScope } from '@herald/store';
import { actorOf, withDatabase, type CommandContext } from './command-context.js';

function line(k: ApiKeyInfo): string {
  const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
  const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never';
  return `${k.prefix}  ${k.tenant}  ${k.name}  ${k.scopes.join(',')}  ${state}  last used ${used}${k.rotatedFrom ? `  (rotated from hk_${k.rotatedFrom})` : ''}\n`;
}

/** Printed once with a new key: the secret is not stored and cannot be shown again. */
function shownOnce(context: CommandContext, key: string, info: ApiKeyInfo): void {
  context.out.write(
    `${line(info)}key (shown once, store it now; only its hash is kept):\n${key}\n`,
  );
}

/** `herald keys create | list | revoke | rotate`: API keys of the management API. */
export function registerKeysCommand(program: Command, context: CommandContext): void {
  const keys = program.command('keys').description('API keys: create, list, revoke, rotate');
  keys
    .command('create')
    .description('create a key for a tenant; the key is printed once')
    .requiredOption('--tenant <id>', 'the tenant (herald tenants create)')
    .requiredOption('--name <name>', 'what the key is for, e.g. ci or console')
    .option('--scopes <list>', 'comma-separated: admin, publish, read', 'read')
    .action(async (options: { tenant: string; name: string; scopes: string }) => {
      const { ApiKeyStore, migrateToLatest, recordConfigChange } = await import('@herald/store');
      await withDatabase(context, async (db) => {
        await migrateToLatest(db);
        const scopes = options.scopes.split(',').map((s) => s.trim()) as ApiKeyScope[];
        const { key, info } = await new ApiKeyStore(db).create({
          tenant: options.tenant,
          name: options.name,
          scopes,
          createdBy: actorOf(context),
        });
        await recordConfigChange(db, {
          actor: actorOf(context),
          action: 'keys.create',
          entityType: 'api_key',
          entityId: info.id,
          details: { tenant: info.tenant, name: info.name, scopes: info.scopes },
        });
        shownOnce(context, key, info);
      });
    });
  keys
    .command('list')
    .description('keys (prefix, tenant, scopes, state, last use); never their secrets')
    .option('--tenant <id>', 'only this tenant')
    .action(async (options: { tenant?: string }) => {
      const { ApiKeyStore } = await import('@herald/store');
      await withDatabase(context, async (db) => {
        for (const k of await new ApiKeyStore(db).list(options.tenant)) context.out.write(line(k));
      });
    });
  keys
    .command('revoke')
    .description('revoke a key at once (replicas may accept it for HERALD_API_KEY_CACHE_MS more)')
    .argument('<id>', 'the key id or its hk_<id> prefix')
    .action(async (id: string) => {
      const { ApiKeyStore, recordConfigChange } = await import('@herald/store');
      const keyId = id.replace(/^hk_/, '');
      await withDatabase(context, async (db) => {
        if (!(await new ApiKeyStore(db).revoke(keyId)))
          throw new Error(`no active key hk_${keyId} (herald keys list)`);
        await recordConfigChange(db, {
          actor: actorOf(context),
          action: 'keys.revoke',
          entityType: 'api_key',
          entityId: keyId,
        });
        context.out.write(`revoked hk_${keyId}\n`);
      });
    });
  keys
    .command('rotate')
    .description(
      'replace a key by a new one with the same tenant, name and scopes; the old one is revoked',
    )
    .argument('<id>', 'the key id or its hk_<id> prefix')
    .action(async (id: string) => {
      const { ApiKeyStore, recordConfigChange } = await import('@herald/store');
      const keyId = id.replace(/^hk_/, '');
      await withDatabase(context, async (db) => {
        const rotated = await new ApiKeyStore(db).rotate(keyId, actorOf(context));
        if (!rotated) throw new Error(`no active key hk_${keyId} (herald keys list)`);
        await recordConfigChange(db, {
          actor: actorOf(context),
          action: 'keys.rotate',
          entityType: 'api_key',
          entityId: rotated.info.id,
          details: { rotatedFrom: keyId },
        });
        shownOnce(context, rotated.key, rotated.info);
      });
    });
}
