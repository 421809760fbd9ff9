import type { Command } from 'commander';
import { actorOf, withDatabase, type CommandContext } from './command-context.js';

interface TenantOptions {
  tenant: string;
  json?: boolean;
}

/** Writes `value` as JSON with --json, else the lines `text` gives. */
function print(context: CommandContext, json: boolean | undefined, value: unknown, text: string) {
  context.out.write(json ? `${JSON.stringify(value, null, 2)}\n` : text);
}

const subscribersLine = (s: { topic: string; subscribers: string[] }) =>
  `${s.topic}: ${s.subscribers.length} subscriber(s)\n${s.subscribers.map((r) => `  ${r}\n`).join('')}`;

/**
 * `herald topics list | create | delete | subscribers list|add|remove`: a tenant's
 * named subscriber groups, which rules reach as `recipients: ["topic:<key>"]`. The same
 * operations as /v1/topics and the console (`@herald/operations`); a topic exists
 * while it has subscribers, so `create` names the first ones.
 */
export function registerTopicsCommand(program: Command, context: CommandContext): void {
  const topics = program
    .command('topics')
    .description('topics (named subscriber groups): list, create, delete, subscribers');
  const tenantOption = (c: Command) =>
    c
      .requiredOption('--tenant <id>', 'the tenant the topic belongs to')
      .option('--json', 'print JSON instead of text');

  tenantOption(
    topics.command('list').description("the tenant's topics with subscriber counts"),
  ).action(async (options: TenantOptions) => {
    const { listTopics } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      const list = await listTopics(db, options.tenant);
      print(
        context,
        options.json,
        { topics: list },
        `${list.length} topic(s)\n${list.map((t) => `${t.topic}  ${t.subscribers} subscriber(s)\n`).join('')}`,
      );
    });
  });

  tenantOption(
    topics
      .command('create')
      .description('create a topic with its first subscribers (existing recipients)')
      .argument('<key>', 'letters, digits, ".", "_" or "-", e.g. on-call')
      .argument('[recipients...]', 'recipient ids: at least one'),
  ).action(async (key: string, recipients: string[], options: TenantOptions) => {
    const { subscribeToTopic } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      const created = await subscribeToTopic(
        db,
        options.tenant,
        key,
        recipients,
        { actor: actorOf(context) },
        { create: true },
      );
      print(context, options.json, created, `created topic ${subscribersLine(created)}`);
    });
  });

  tenantOption(
    topics
      .command('delete')
      .description('delete a topic: every subscriber is unsubscribed (recipients stay)')
      .argument('<key>', 'the topic'),
  ).action(async (key: string, options: TenantOptions) => {
    const { deleteTopic } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      const removed = await deleteTopic(db, options.tenant, key, { actor: actorOf(context) });
      print(
        context,
        options.json,
        { topic: key, deleted: true, unsubscribed: removed },
        `deleted topic ${key} (${removed} subscriber(s) unsubscribed)\n`,
      );
    });
  });

  const subscribers = topics
    .command('subscribers')
    .description("a topic's subscribers: list, add, remove");
  tenantOption(
    subscribers
      .command('list')
      .description("a topic's subscribers (recipient ids)")
      .argument('<key>', 'the topic'),
  ).action(async (key: string, options: TenantOptions) => {
    const { topicSubscribers } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      const found = await topicSubscribers(db, options.tenant, key);
      print(context, options.json, found, subscribersLine(found));
    });
  });
  tenantOption(
    subscribers
      .command('add')
      .description('subscribe recipients (the topic is created if it has none yet)')
      .argument('<key>', 'the topic')
      .argument('<recipients...>', 'recipient ids of the tenant'),
  ).action(async (key: string, recipients: string[], options: TenantOptions) => {
    const { subscribeToTopic } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      const now = await subscribeToTopic(db, options.tenant, key, recipients, {
        actor: actorOf(context),
      });
      print(context, options.json, now, subscribersLine(now));
    });
  });
  tenantOption(
    subscribers
      .command('remove')
      .description('unsubscribe one recipient')
      .argument('<key>', 'the topic')
      .argument('<recipient>', 'the recipient id'),
  ).action(async (key: string, recipient: string, options: TenantOptions) => {
    const { unsubscribeFromTopic } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      await unsubscribeFromTopic(db, options.tenant, key, recipient, { actor: actorOf(context) });
      print(
        context,
        options.json,
        { topic: key, removed: recipient },
        `unsubscribed ${recipient} from ${key}\n`,
      );
    });
  });
}
