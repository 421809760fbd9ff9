import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { withDatabase, type CommandContext } from './command-context.js';

/**
 * `herald cancel --key K [--tenant T]` (issue 16): cancels the tenant's pending
 * notifications with cancellation key K (delayed, deferred by quiet hours, waiting in a
 * retry lane, or not yet collected into a digest). The mark is in Postgres when the
 * command returns; each such job then ends `cancelled` with this call's id when its
 * worker reaches it, instead of being sent.
 */
export function registerCancelCommand(program: Command, context: CommandContext): void {
  program
    .command('cancel')
    .description('cancel pending notifications by cancellation key (rules: cancel.key)')
    .requiredOption('--key <key>', 'the cancellation key, as the rule computes it')
    .option('--tenant <tenant>', 'the tenant of the notifications', 'default')
    .option('--id <id>', 'id recorded as the cancelling event (default: cli:<uuid>)')
    .action(async (options: { key: string; tenant: string; id?: string }) => {
      const { HeraldError } = await import('@herald/core');
      const key = options.key.trim();
      if (key === '' || options.tenant.trim() === '')
        throw new HeraldError('HERALD_ERR_CANCEL_INVALID', [
          '--key and --tenant must not be empty',
        ]);
      const id = options.id ?? `cli:${randomUUID()}`;
      const { CancelStore } = await import('@herald/store');
      await withDatabase(context, (db) =>
        new CancelStore(db).mark(options.tenant, key, id, new Date()),
      );
      context.out.write(
        `cancelled key ${JSON.stringify(key)} in tenant ${options.tenant} (event ${id}): pending notifications with it will not be sent\n`,
      );
    });
}
