import type { Command } from 'commander';
import { actorOf, withDatabase, type CommandContext } from './command-context.js';

/** `herald tenants create | list`: the tenants the management API serves. */
export function registerTenantsCommand(program: Command, context: CommandContext): void {
  const tenants = program
    .command('tenants')
    .description('tenants of the management API: create, list');
  tenants
    .command('create')
    .description('create a tenant (then give it keys: herald keys create)')
    .argument('<id>', 'lower-case letters, digits, "_" or "-", e.g. acme')
    .option('--name <name>', 'a readable name (default: the id)')
    .action(async (id: string, options: { name?: string }) => {
      const { ApiKeyStore, migrateToLatest, recordConfigChange } = await import('@herald/store');
      await withDatabase(context, async (db) => {
        await migrateToLatest(db);
        const tenant = await new ApiKeyStore(db).createTenant(id, options.name ?? id);
        await recordConfigChange(db, {
          actor: actorOf(context),
          action: 'tenants.create',
          entityType: 'tenant',
          entityId: tenant.id,
        });
        context.out.write(`created tenant ${tenant.id} (${tenant.name})\n`);
      });
    });
  tenants
    .command('list')
    .description('every tenant')
    .action(async () => {
      const { ApiKeyStore } = await import('@herald/store');
      await withDatabase(context, async (db) => {
        for (const t of await new ApiKeyStore(db).tenants())
          context.out.write(`${t.id}  ${t.name}  created ${t.createdAt.toISOString()}\n`);
      });
    });
}
