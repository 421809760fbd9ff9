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
      // The same mark as POST /v1/cancellations (HERALD_ERR_CANCEL_INVALID for an empty key).
      const { cancelByKey } = await import('@herald/operations');
      const mark = await withDatabase(context, (db) =>
        cancelByKey(
          db,
          {
            tenant: options.tenant,
            key: options.key,
            ...(options.id === undefined ? {} : { id: options.id }),
          },
          new Date(),
          'cli',
        ),
      );
      context.out.write(
        `cancelled key ${JSON.stringify(mark.key)} in tenant ${mark.tenant} (event ${mark.eventId}): pending notifications with it will not be sent\n`,
      );
    });
}
