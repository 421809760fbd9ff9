import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';
import { parseTtl, tenantSecrets } from './tokens-command.js';
import { WatchView } from './watch-render.js';

/**
 * `herald watch --tenant t --subscriber u`: a subscriber's live inbox in the terminal
 * through the gateway's stream (inbox-client, SSE with reconnect and resume): task
 * progress bars redrawn in place, completions and other messages as lines.
 */
export function registerWatchCommand(program: Command, context: CommandContext): void {
  program
    .command('watch')
    .description("show a subscriber's live inbox: task progress bars and messages")
    .requiredOption('--tenant <tenant>', 'the tenant id')
    .requiredOption('--subscriber <subscriber>', 'the subscriber (recipient) id')
    .option('--url <url>', 'the gateway (default HERALD_GATEWAY_URL)')
    .option('--token <token>', 'a subscriber token (default: issued here with the tenant secret)')
    .option('--after <seq>', 'first show the stored messages after this seq (0 = all)', (v) =>
      Number.parseInt(v, 10),
    )
    .option('-n, --max <count>', 'stop after this many messages', (v) => Number.parseInt(v, 10))
    .action(
      async (options: {
        tenant: string;
        subscriber: string;
        url?: string;
        token?: string;
        after?: number;
        max?: number;
      }) => {
        const { InboxClient } = await import('@herald/inbox-client');
        let token = options.token;
        if (token === undefined) {
          const { issueSubscriberToken } = await import('@herald/subscriber-auth');
          const secrets = await tenantSecrets(context);
          token = await issueSubscriberToken(secrets, {
            tenant: options.tenant,
            subscriber: options.subscriber,
            ttlSeconds: parseTtl('1h'),
          });
        }
        const url = options.url ?? context.env.HERALD_GATEWAY_URL;
        const client = new InboxClient({
          url,
          token,
          ...(options.after === undefined ? {} : { after: options.after }),
        });
        const view = new WatchView(
          context.out,
          (context.out as { isTTY?: boolean }).isTTY === true,
        );
        let seen = 0;
        let finish!: () => void;
        const done = new Promise<void>((resolve) => (finish = resolve));
        const onSigint = () => finish();
        process.once('SIGINT', onSigint);
        client.on('message', (item) => {
          view.show(item);
          if (options.max !== undefined && ++seen >= options.max) finish();
        });
        client.on('error', (error) => {
          context.logger.warn({ code: error.code }, error.message);
          if (error.code.startsWith('HERALD_ERR_GATEWAY_TOKEN')) finish();
        });
        client.connect();
        await done;
        process.off('SIGINT', onSigint);
        client.close();
      },
    );
}
