import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import {
  deliveryKey,
  deliveryTopicFor,
  encodeDeliveryJob,
  statusEventFor,
  statusMessage,
  topicNames,
  type TopicNames,
} from '@herald/core';
import type { DeadLetterRecord } from '@herald/delivery';
import { progressFor } from '../progress.js';
import { kafkaClient, withRedis, type CommandContext } from './command-context.js';

interface Filters {
  id?: string;
  channel?: string;
  tenant?: string;
  since?: string;
  until?: string;
  reason?: string;
  kind?: string;
}

const filterNames = ['id', 'channel', 'tenant', 'since', 'until', 'reason', 'kind'] as const;

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

/** Refuses what would silently match nothing: an unknown kind, a time that is not one. */
async function checkFilters(f: Filters): Promise<void> {
  const { deadLetterKinds } = await import('@herald/delivery');
  if (f.kind !== undefined && !(deadLetterKinds as readonly string[]).includes(f.kind))
    throw new Error(
      `--kind ${f.kind} is not a dead-letter kind; use ${deadLetterKinds.join(', ')}`,
    );
  for (const flag of ['since', 'until'] as const) {
    const value = f[flag];
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      throw new Error(`--${flag} ${value} is not a time; use ISO 8601, e.g. 2026-11-01T08:00:00Z`);
  }
}

/** The group whose offsets say how far herald.dlq was replayed (herald_dlq_messages). */
const replayGroup = (context: CommandContext) =>
  `${context.env.HERALD_TOPIC_PREFIX}herald-dlq-replay`;

interface DlqContents {
  readonly records: DeadLetterRecord[];
  /** Per partition: the oldest kept offset, and the first not replayed. */
  readonly partitions: Map<number, { low: bigint; replayedUpTo: bigint }>;
  /** "partition:offset" of records replayed past `replayedUpTo` (Redis, see replayMarksKey). */
  readonly marks: ReadonlySet<string>;
}

/** The replay marks in Redis; without Redis, none (those records show as waiting). */
async function readMarks(context: CommandContext, topic: string): Promise<Set<string>> {
  const { replayMarksKey } = await import('@herald/delivery');
  try {
    return new Set(await withRedis(context, (redis) => redis.smembers(replayMarksKey(topic))));
  } catch (err) {
    context.logger.warn(
      { err },
      'redis unreachable: dead letters replayed past an older waiting one show as not replayed',
    );
    return new Set();
  }
}

/** Reads herald.dlq from the beginning up to its current end, with a throw-away group. */
async function readAll(
  context: CommandContext,
  kafka: Kafka,
  topics: TopicNames,
): Promise<DlqContents> {
  const { advanceReplayWatermark, committedOffset, readDeadLetter } =
    await import('@herald/delivery');
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string; low: string }[];
  let committed: { partition: number; offset: string }[];
  try {
    if (!(await admin.listTopics()).includes(topics.dlq))
      throw new Error(
        `no topic ${topics.dlq} on ${context.env.KAFKA_BROKERS.join(',')} (check HERALD_TOPIC_PREFIX and KAFKA_BROKERS)`,
      );
    ends = await admin.fetchTopicOffsets(topics.dlq);
    committed =
      (await admin.fetchOffsets({ groupId: replayGroup(context), topics: [topics.dlq] })).find(
        (t) => t.topic === topics.dlq,
      )?.partitions ?? [];
  } finally {
    await admin.disconnect();
  }
  const partitions = new Map(
    ends.map((p) => {
      const low = BigInt(p.low);
      const done = committed.find((c) => c.partition === p.partition)?.offset ?? '-1';
      return [
        p.partition,
        { low, replayedUpTo: advanceReplayWatermark(committedOffset(done), low, []) },
      ];
    }),
  );
  const remaining = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
  );
  const total = ends.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
  const records: DeadLetterRecord[] = [];
  const marks = await readMarks(context, topics.dlq);
  if (remaining.size === 0) return { records, partitions, marks };
  const progress = progressFor(context, `reading ${topics.dlq}`);
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
      progress.update(records.length, total);
      if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
      if (remaining.size === 0) finish();
    },
  });
  await done;
  progress.end();
  await consumer.disconnect();
  return { records: records.sort((a, b) => a.timestamp - b.timestamp), partitions, marks };
}

const isReplayed = (contents: DlqContents, r: DeadLetterRecord) =>
  BigInt(r.offset) < (contents.partitions.get(r.partition)?.replayedUpTo ?? 0n) ||
  contents.marks.has(`${r.partition}:${r.offset}`);

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
 * attempt number and a fresh retry budget, and a `queued` status saying it was replayed,
 * then moves the `herald-dlq-replay` group's offsets over what it replayed (so `herald
 * status`, `dlq list` and herald_dlq_messages stop counting it).
 */
export function registerDlqCommand(program: Command, context: CommandContext): void {
  const dlq = program.command('dlq').description('inspect and replay the dead-letter queue');
  const topics = () => topicNames(context.env.HERALD_TOPIC_PREFIX);
  const write = (value: unknown) => context.out.write(`${JSON.stringify(value)}\n`);

  addFilters(dlq.command('list').description('one line per dead letter')).action(
    async (f: Filters) => {
      await checkFilters(f);
      const contents = await readAll(context, await kafkaClient(context), topics());
      for (const r of contents.records.filter((r) => matches(r, f))) {
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
          replayed: isReplayed(contents, r),
        });
      }
    },
  );

  dlq
    .command('show')
    .description('the full dead letter(s) of one notification: job, attempts, reason')
    .argument('<notificationId>')
    .action(async (id: string) => {
      const contents = await readAll(context, await kafkaClient(context), topics());
      const found = contents.records.filter((r) => r.letter.notificationId === id);
      if (found.length === 0)
        throw new Error(`no dead letter for notification ${id} in ${topics().dlq}`);
      for (const r of found)
        write({
          offset: `${r.partition}:${r.offset}`,
          replayed: isReplayed(contents, r),
          ...r.letter,
        });
    });

  addFilters(
    dlq
      .command('replay')
      .description('publish matching dead letters again (a filter or --all; asks first)'),
  )
    .option('--all', 'every dead letter not replayed yet (instead of a filter)')
    .option('--again', 'also dead letters already replayed')
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .option('--dry-run', 'print what would be replayed, publish nothing')
    .action(
      async (f: Filters & { all?: boolean; again?: boolean; yes?: boolean; dryRun?: boolean }) => {
        if (!f.all && filterNames.every((name) => f[name] === undefined))
          throw new Error(
            'dlq replay needs a filter (--id, --channel, --tenant, --since, --until, --reason, --kind) or --all to replay every dead letter',
          );
        await checkFilters(f);
        const [
          { replayJob, replayRefusal, advanceReplayWatermark, replayMarksKey },
          { MessagePublisher },
        ] = await Promise.all([import('@herald/delivery'), import('@herald/kafka')]);
        const names = topics();
        const now = new Date();
        const kafka = await kafkaClient(context);
        const contents = await readAll(context, kafka, names);
        const picked = contents.records.filter(
          (r) => matches(r, f) && (f.again === true || !isReplayed(contents, r)),
        );
        const messages = [];
        const planned: { notificationId: string; attempt: number; topic: string }[] = [];
        let skipped = 0;
        const refusedAt = new Set<string>();
        for (const r of picked) {
          // A letter cut down to the record limit has no full job: say where the original is.
          const refusal = replayRefusal(r.letter);
          if (refusal) {
            refusedAt.add(`${r.partition}:${r.offset}`);
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
            { topic: names.status, ...statusMessage(status) },
          );
          planned.push({
            notificationId: job.notificationId,
            attempt: job.attempt,
            topic: deliveryTopicFor(names, job),
          });
        }
        const count = messages.length / 2;
        // Each line says what happened: `wouldReplay` in a dry run, `replayed` once published.
        const report = (key: string) =>
          planned.forEach(({ notificationId, ...rest }) =>
            write({ [key]: notificationId, ...rest }),
          );
        if (f.dryRun) {
          report('wouldReplay');
          write({
            wouldReplay: count,
            skippedWithoutJob: skipped,
            refusedTruncated: refusedAt.size,
            dryRun: true,
          });
          return;
        }
        if (count > 0 && f.yes !== true) {
          if (context.confirm === undefined)
            throw new Error(
              `dlq replay would replay ${count} dead letter(s) but cannot ask for confirmation (stdin is not a terminal); add --yes to replay without asking, or --dry-run to list them`,
            );
          if (!(await context.confirm(`Replay ${count} dead letter(s) from ${names.dlq}?`))) {
            write({ replayed: 0, skippedWithoutJob: skipped, cancelled: true });
            return;
          }
        }
        if (count > 0) {
          const publisher = new MessagePublisher(kafka, {
            compression: context.env.HERALD_KAFKA_COMPRESSION,
            maxRecordBytes: context.env.HERALD_KAFKA_MAX_RECORD_BYTES,
          });
          const progress = progressFor(context, 'replaying');
          await publisher.start();
          try {
            // In slices, so a terminal sees it move; each slice is acknowledged before the next.
            for (let i = 0; i < messages.length; i += 1000) {
              await publisher.send(messages.slice(i, i + 1000));
              progress.update(Math.min(i + 1000, messages.length) / 2, count);
            }
          } finally {
            progress.end();
            await publisher.stop();
          }
        }
        // What this run handled (replayed, or without a job to replay) no longer waits:
        // the replay group's offset moves over it, what lies past an older waiting record
        // is marked in Redis until the offset catches up.
        const handled = new Set([
          ...contents.marks,
          ...picked
            .map((r) => `${r.partition}:${r.offset}`)
            .filter((position) => !refusedAt.has(position)),
        ]);
        const offsets: { partition: number; offset: string }[] = [];
        const keep: string[] = [];
        for (const [partition, p] of contents.partitions) {
          const mine = [...handled]
            .filter((m) => m.startsWith(`${partition}:`))
            .map((m) => BigInt(m.slice(m.indexOf(':') + 1)));
          const next = advanceReplayWatermark(p.replayedUpTo, p.low, mine);
          if (next !== p.replayedUpTo) offsets.push({ partition, offset: String(next) });
          keep.push(...mine.filter((o) => o >= next).map((o) => `${partition}:${o}`));
        }
        const key = replayMarksKey(names.dlq);
        await withRedis(context, async (redis) => {
          const tx = redis.multi().del(key);
          if (keep.length > 0) tx.sadd(key, ...keep);
          await tx.exec();
        }).catch((err: unknown) => {
          if (keep.length > 0)
            context.logger.warn(
              { err },
              'redis unreachable: replayed dead letters past an older waiting one were not marked',
            );
        });
        if (offsets.length > 0) {
          const admin = kafka.admin();
          await admin.connect();
          try {
            await admin.setOffsets({
              groupId: replayGroup(context),
              topic: names.dlq,
              partitions: offsets,
            });
          } finally {
            await admin.disconnect();
          }
        }
        report('replayed');
        write({
          replayed: count,
          skippedWithoutJob: skipped,
          refusedTruncated: refusedAt.size,
          dryRun: false,
        });
      },
    );
}
