import type { Command } from 'commander';
import { topicNames } from '@herald/core';
import type { DeadLetterFilter, DeadLetterSource } from '@herald/operations';
import { progressFor } from '../progress.js';
import { kafkaClient, withRedis, type CommandContext } from './command-context.js';

type Filters = { -readonly [K in keyof DeadLetterFilter]: DeadLetterFilter[K] };

/** Refuses what would silently match nothing: an unknown kind, a time that is not one. */
async function checkFilters(f: Filters): Promise<void> {
  const { deadLetterFilterProblems } = await import('@herald/operations');
  const [first] = deadLetterFilterProblems(f);
  if (first) throw new Error(`--${first.field} ${first.message}`);
}

/** herald.dlq as `@herald/operations` reads it, with a progress counter on a terminal. */
async function sourceFor(
  context: CommandContext,
  label: string,
): Promise<DeadLetterSource & { end(): void }> {
  const progress = progressFor(context, label);
  return {
    kafka: await kafkaClient(context),
    topics: topicNames(context.env.HERALD_TOPIC_PREFIX),
    topicPrefix: context.env.HERALD_TOPIC_PREFIX,
    withRedis: (body) => withRedis(context, body),
    logger: context.logger,
    onProgress: (read, total) => progress.update(read, total),
    end: () => progress.end(),
  };
}

async function readAll(context: CommandContext, source: DeadLetterSource & { end(): void }) {
  const { readDeadLetters } = await import('@herald/operations');
  try {
    return await readDeadLetters(source);
  } finally {
    source.end();
  }
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
 * `herald dlq list | show | replay`: inspect and replay herald.dlq (the reading,
 * filtering and replay planning are `@herald/operations`', shared with the API). Replay
 * publishes the job again on its channel's lane (priority lane for critical/high) with
 * the next attempt number and a fresh retry budget, and a `queued` status saying it was
 * replayed, then moves the `herald-dlq-replay` group's offsets over what it replayed (so
 * `herald status`, `dlq list` and herald_dlq_messages stop counting it).
 */
export function registerDlqCommand(program: Command, context: CommandContext): void {
  const dlq = program.command('dlq').description('inspect and replay the dead-letter queue');
  const topics = () => topicNames(context.env.HERALD_TOPIC_PREFIX);
  const write = (value: unknown) => context.out.write(`${JSON.stringify(value)}\n`);

  addFilters(dlq.command('list').description('one line per dead letter')).action(
    async (f: Filters) => {
      await checkFilters(f);
      const { deadLetterSummary, matchesDeadLetter } = await import('@herald/operations');
      const contents = await readAll(context, await sourceFor(context, `reading ${topics().dlq}`));
      for (const r of contents.records.filter((r) => matchesDeadLetter(r, f)))
        write(deadLetterSummary(contents, r));
    },
  );

  dlq
    .command('show')
    .description('the full dead letter(s) of one notification: job, attempts, reason')
    .argument('<notificationId>')
    .action(async (id: string) => {
      const { isReplayed } = await import('@herald/operations');
      const contents = await readAll(context, await sourceFor(context, `reading ${topics().dlq}`));
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
        const { commitReplay, deadLetterFilterNames, planReplay } =
          await import('@herald/operations');
        const { MessagePublisher } = await import('@herald/kafka');
        if (!f.all && deadLetterFilterNames.every((name) => f[name] === undefined))
          throw new Error(
            'dlq replay needs a filter (--id, --channel, --tenant, --since, --until, --reason, --kind) or --all to replay every dead letter',
          );
        await checkFilters(f);
        const names = topics();
        const source = await sourceFor(context, `reading ${names.dlq}`);
        const contents = await readAll(context, source);
        const plan = planReplay(contents, f, {
          ...(f.again === undefined ? {} : { again: f.again }),
          now: new Date(),
          source: 'herald/cli',
          topics: names,
        });
        // A letter cut down to the record limit has no full job: say where the original is.
        for (const refused of plan.refused) write(refused);
        const count = plan.planned.length;
        const totals = {
          skippedWithoutJob: plan.skipped,
          refusedTruncated: plan.refused.length,
        };
        // Each line says what happened: `wouldReplay` in a dry run, `replayed` once published.
        const report = (key: string) =>
          plan.planned.forEach(({ notificationId, ...rest }) =>
            write({ [key]: notificationId, ...rest }),
          );
        if (f.dryRun) {
          report('wouldReplay');
          write({ wouldReplay: count, ...totals, dryRun: true });
          return;
        }
        if (count > 0 && f.yes !== true) {
          if (context.confirm === undefined)
            throw new Error(
              `dlq replay would replay ${count} dead letter(s) but cannot ask for confirmation (stdin is not a terminal); add --yes to replay without asking, or --dry-run to list them`,
            );
          if (!(await context.confirm(`Replay ${count} dead letter(s) from ${names.dlq}?`))) {
            write({ replayed: 0, skippedWithoutJob: plan.skipped, cancelled: true });
            return;
          }
        }
        if (count > 0) {
          const publisher = new MessagePublisher(source.kafka, {
            compression: context.env.HERALD_KAFKA_COMPRESSION,
            maxRecordBytes: context.env.HERALD_KAFKA_MAX_RECORD_BYTES,
          });
          const progress = progressFor(context, 'replaying');
          await publisher.start();
          try {
            // In slices, so a terminal sees it move; each slice is acknowledged before the next.
            for (let i = 0; i < plan.messages.length; i += 1000) {
              await publisher.send(plan.messages.slice(i, i + 1000));
              progress.update(Math.min(i + 1000, plan.messages.length) / 2, count);
            }
          } finally {
            progress.end();
            await publisher.stop();
          }
        }
        await commitReplay(source, contents, plan);
        report('replayed');
        write({ replayed: count, ...totals, dryRun: false });
      },
    );
}
