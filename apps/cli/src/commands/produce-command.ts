import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { topicNames, validateCloudEvent, type CloudEvent } from '@herald/core';
import { kafkaClient, type CommandContext } from './command-context.js';

interface ProduceOptions {
  readonly file?: string;
  readonly type?: string;
  readonly data?: string;
  readonly source: string;
  readonly tenant?: string;
  readonly severity?: string;
  readonly key?: string;
  readonly binary?: boolean;
}

/** Builds the event from a file (one event or a list) or from flags, and validates it. */
async function eventsFrom(options: ProduceOptions): Promise<CloudEvent[]> {
  let candidates: unknown[];
  if (options.file) {
    const parsed = JSON.parse(await readFile(options.file, 'utf8')) as unknown;
    candidates = Array.isArray(parsed) ? parsed : [parsed];
  } else {
    if (!options.type) throw new Error('give --file <event.json> or --type <type> [--data <json>]');
    candidates = [
      {
        specversion: '1.0',
        id: randomUUID(),
        source: options.source,
        type: options.type,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        ...(options.tenant ? { tenantid: options.tenant } : {}),
        ...(options.severity ? { severity: options.severity } : {}),
        data: options.data ? (JSON.parse(options.data) as unknown) : {},
      },
    ];
  }
  return candidates.map((candidate, i) => {
    const result = validateCloudEvent(candidate);
    if (!result.ok) throw new Error(`event ${i + 1}: ${result.error.message}`);
    return result.event;
  });
}

/** `herald produce`: publish CloudEvents to herald.events. */
export function registerProduceCommand(program: Command, context: CommandContext): void {
  program
    .command('produce')
    .description('publish CloudEvents to herald.events')
    .option('-f, --file <path>', 'a JSON file with one event or a list of events')
    .option('-t, --type <type>', 'event type, e.g. order.shipped (when no --file)')
    .option('-d, --data <json>', 'event data as JSON')
    .option('--source <source>', 'event source', 'herald-cli')
    .option('--tenant <tenant>', 'tenantid extension')
    .option('--severity <severity>', 'severity extension (info, warning, critical)')
    .option('-k, --key <key>', 'Kafka key (default: the event id)')
    .option('--binary', 'use Kafka binary mode (ce_ headers) instead of structured JSON')
    .action(async (options: ProduceOptions) => {
      const events = await eventsFrom(options);
      const kafka = await kafkaClient(context);
      const { MessagePublisher } = await import('@herald/kafka');
      const publisher = new MessagePublisher(kafka, {
        compression: context.env.HERALD_KAFKA_COMPRESSION,
      });
      await publisher.start();
      try {
        const topic = topicNames(context.env.HERALD_TOPIC_PREFIX).events;
        const { eventRecord } = await import('@herald/operations');
        await publisher.send(
          events.map((event) =>
            eventRecord(topic, event, {
              ...(options.key ? { key: options.key } : {}),
              ...(options.binary ? { binary: true } : {}),
            }),
          ),
        );
        for (const event of events)
          context.out.write(`produced ${event.type} ${event.id} to ${topic}\n`);
      } finally {
        await publisher.stop();
      }
    });
}
