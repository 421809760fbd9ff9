import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { topicNames } from '@herald/core';
import { kafkaClient, type CommandContext } from './command-context.js';

const tailable = ['status', 'events', 'rejected', 'dlq'] as const;

/**
 * `herald tail status|events|rejected|dlq`: print records as they arrive, one JSON
 * line each (value, key, partition, offset, ce_ and Herald's headers). Reads with a
 * throw-away consumer group, so it never moves a real group's offsets.
 */
export function registerTailCommand(program: Command, context: CommandContext): void {
  program
    .command('tail')
    .description('print records of a Herald topic as they arrive')
    .argument('<topic>', tailable.join(' | '))
    .option('--from-beginning', 'start at the oldest record')
    .option('-n, --max <count>', 'stop after this many records', (v) => Number.parseInt(v, 10))
    .action(async (which: string, options: { fromBeginning?: boolean; max?: number }) => {
      if (!(tailable as readonly string[]).includes(which)) {
        throw new Error(`unknown topic "${which}"; expected one of: ${tailable.join(', ')}`);
      }
      const names = topicNames(context.env.HERALD_TOPIC_PREFIX);
      const topic = {
        status: names.status,
        events: names.events,
        rejected: names.rejected,
        dlq: names.dlq,
      }[which as (typeof tailable)[number]];
      const kafka = await kafkaClient(context);
      const { readTopic } = await import('@herald/kafka');
      let seen = 0;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      process.once('SIGINT', () => finish());
      await readTopic(kafka, {
        topic,
        groupId: `herald-cli-tail-${randomBytes(4).toString('hex')}`,
        fromBeginning: options.fromBeginning ?? false,
        until: done,
        onRecord: (message) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers)) {
            if (name.startsWith('herald-') || name.startsWith('ce_') || name === 'traceparent')
              headers[name] = String(value);
          }
          const text = message.value?.toString() ?? '';
          let value: unknown = text;
          try {
            value = JSON.parse(text);
          } catch {
            // not JSON (e.g. a rejected event): printed as a string
          }
          context.out.write(
            `${JSON.stringify({ partition: message.partition, offset: message.offset, key: message.key?.toString() ?? null, headers, value })}\n`,
          );
          if (options.max !== undefined && ++seen >= options.max) finish();
        },
      });
    });
}
