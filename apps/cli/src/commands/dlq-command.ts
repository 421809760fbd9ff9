import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import {
  deliveryKey,
  deliveryTopicFor,
  encodeDeliveryJob,
  statusEventFor,
  topicNames,
  type TopicNames,
} from '@herald/core';
import { readDeadLetter, replayJob, replayRefusal, type DeadLetterRecord } from '@herald/delivery';
import { createKafkaClient, MessagePublisher, kafkaSecurity } from '@herald/kafka';
import type { CommandContext } from './command-context.js';

interface Filters {
  id?: string;
  channel?: string;
  tenant?: string;
  since?: string;
  until?: string;
  reason?: string;
  kind?: string;
}

function matches(record: DeadLetterRecord, f: Filters): boolean {
  const l = record.letter;
  const at = Date.parse(l.deadLetteredAt);
  return (
    (f.id === undefined || l.notificationId === f.id) &&
    (f.channel === undefined || l.channel === f.channel) &&
    (f.tenant === undefined || l.tenant === f.tenant) &&
    (f.kind === undefined || l.kind === f.kind) &&
    (f.reason === undefined || l.reason.toLowerCase().includes(f.reason.toLowerCase())) &&
    (f.since === undefined || at >= Date.parse(f.since)) &&
    (f.until === undefined || at < Date.parse(f.until))
  );
}

/** Reads herald.dlq from the beginning up to its current end, with a throw-away group. */
async function readAll(context: CommandContext, topics: TopicNames): Promise<DeadLetterRecord[]> {
  const kafka = createKafkaClient({
    brokers: context.env.KAFKA_BROKERS,
    security: kafkaSecurity(context.env),
    clientId: 'herald-cli',
    logger: context.logger,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topics.dlq);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
  );
  const records: DeadLetterRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `herald-cli-dlq-${randomBytes(4).toString('hex')}` });
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  await consumer.subscribe({ topic: topics.dlq, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const end = remaining.get(partition);
      if (end === undefined || BigInt(message.offset) >= end) return;
      records.push(readDeadLetter({ ...message, partition }));
      if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
      if (remaining.size === 0) finish();
    },
  });
  await done;
  await consumer.disconnect();
  return records.sort((a, b) => a.timestamp - b.timestamp);
}

function addFilters(command: Command): Command {
  return command
    .option('--id <notificationId>', 'one notification')
    .option('--channel <channel>', 'e.g. webhook, sms')
    .option('--tenant <tenant>')
    .option('--since <time>', 'dead-lettered at or after (ISO time)')
    .option('--until <time>', 'dead-lettered before (ISO time)')
    .option('--reason <text>', 'reason contains (case-insensitive)')
    .option('--kind <kind>', 'permanent | exhausted | malformed | poison');
}

/**
 * `herald dlq list | show | replay`: inspect and replay herald.dlq. Replay publishes the
 * job again on its channel's lane (priority lane for critical/high) with the next
 * attempt number and a fresh retry budget, and a `queued` status saying it was replayed.
 */
export function registerDlqCommand(program: Command, context: CommandContext): void {
  const dlq = program.command('dlq').description('inspect and replay the dead-letter queue');
  const topics = () => topicNames(context.env.HERALD_TOPIC_PREFIX);
  const write = (value: unknown) => context.out.write(`${JSON.stringify(value)}\n`);

  addFilters(dlq.command('list').description('one line per dead letter')).action(
    async (f: Filters) => {
      for (const r of (await readAll(context, topics())).filter((r) => matches(r, f))) {
        const l = r.letter;
        write({
          offset: `${r.partition}:${r.offset}`,
          deadLetteredAt: l.deadLetteredAt,
          notificationId: l.notificationId ?? null,
          channel: l.channel ?? null,
          tenant: l.tenant ?? null,
          kind: l.kind,
          attempts: l.attempts.length,
          reason: l.reason,
        });
      }
    },
  );

  dlq
    .command('show')
    .description('the full dead letter(s) of one notification: job, attempts, reason')
    .argument('<notificationId>')
    .action(async (id: string) => {
      const found = (await readAll(context, topics())).filter(
        (r) => r.letter.notificationId === id,
      );
      if (found.length === 0)
        throw new Error(`no dead letter for notification ${id} in ${topics().dlq}`);
      for (const r of found) write({ offset: `${r.partition}:${r.offset}`, ...r.letter });
    });

  addFilters(dlq.command('replay').description('publish matching dead letters again'))
    .option('--dry-run', 'print what would be replayed')
    .action(async (f: Filters & { dryRun?: boolean }) => {
      const names = topics();
      const now = new Date();
      const picked = (await readAll(context, names)).filter((r) => matches(r, f));
      const messages = [];
      let skipped = 0;
      let refused = 0;
      for (const r of picked) {
        // A letter cut down to the record limit has no full job: say where the original is.
        const refusal = replayRefusal(r.letter);
        if (refusal) {
          refused++;
          write({
            refused: r.letter.notificationId ?? null,
            offset: `${r.partition}:${r.offset}`,
            error: refusal.message,
          });
          continue;
        }
        const job = replayJob(r.letter, now);
        if (!job) {
          skipped++;
          continue;
        }
        const status = statusEventFor(job, 'queued', 'herald/cli', now, {
          reason:
            `replayed from ${names.dlq} ${r.partition}:${r.offset} (replay ${job.replay!.count}, was ${r.letter.kind}: ${r.letter.reason})`.slice(
              0,
              500,
            ),
        });
        messages.push(
          {
            topic: deliveryTopicFor(names, job),
            key: deliveryKey(job),
            value: encodeDeliveryJob(job),
          },
          {
            topic: names.status,
            key: job.notificationId,
            value: Buffer.from(JSON.stringify(status)),
            headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
          },
        );
        write({
          replayed: job.notificationId,
          attempt: job.attempt,
          topic: deliveryTopicFor(names, job),
        });
      }
      if (!f.dryRun && messages.length > 0) {
        const publisher = new MessagePublisher(
          createKafkaClient({
            brokers: context.env.KAFKA_BROKERS,
            security: kafkaSecurity(context.env),
            clientId: 'herald-cli',
            logger: context.logger,
          }),
          {
            compression: context.env.HERALD_KAFKA_COMPRESSION,
            maxRecordBytes: context.env.HERALD_KAFKA_MAX_RECORD_BYTES,
          },
        );
        await publisher.start();
        try {
          await publisher.send(messages);
        } finally {
          await publisher.stop();
        }
      }
      write({
        replayed: messages.length / 2,
        skippedWithoutJob: skipped,
        refusedTruncated: refused,
        dryRun: f.dryRun ?? false,
      });
    });
}
