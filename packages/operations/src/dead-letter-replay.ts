import {
  deliveryKey,
  deliveryTopicFor,
  encodeDeliveryJob,
  statusEventFor,
  statusMessage,
  type TopicNames,
} from '@herald/core';
import {
  advanceReplayWatermark,
  replayJob,
  replayMarksKey,
  replayRefusal,
  type DeadLetterRecord,
} from '@herald/delivery';
import { withKafkaAdmin, type OutputMessage } from '@herald/kafka';
import {
  isReplayed,
  matchesDeadLetter,
  replayGroupOf,
  type DeadLetterContents,
  type DeadLetterFilter,
  type DeadLetterSource,
} from './dead-letters.js';

/** What a replay would publish, and what it cannot replay. */
export interface ReplayPlan {
  /** Per replayed letter: the job on its lane, then its `queued` status. */
  readonly messages: OutputMessage[];
  readonly planned: { notificationId: string; attempt: number; topic: string }[];
  /** Letters without a job (malformed records): nothing to replay, still handled. */
  readonly skipped: number;
  /** Letters cut down to the record limit: not replayable, said where the original is. */
  readonly refused: { refused: string | null; offset: string; error: string }[];
  readonly picked: DeadLetterRecord[];
}

/**
 * Plans the replay of the dead letters matching `filter` (not yet replayed, unless
 * `again`): each job again on its channel's lane with the next attempt and a fresh
 * retry budget, and a `queued` status saying it was replayed. Pure: nothing is sent.
 */
export function planReplay(
  contents: DeadLetterContents,
  filter: DeadLetterFilter,
  options: {
    readonly again?: boolean;
    readonly now: Date;
    readonly source: string;
    readonly topics: TopicNames;
  },
): ReplayPlan {
  const { topics, now } = options;
  const picked = contents.records.filter(
    (r) => matchesDeadLetter(r, filter) && (options.again === true || !isReplayed(contents, r)),
  );
  const messages: OutputMessage[] = [];
  const planned: ReplayPlan['planned'] = [];
  const refused: ReplayPlan['refused'] = [];
  let skipped = 0;
  for (const r of picked) {
    const refusal = replayRefusal(r.letter);
    if (refusal) {
      refused.push({
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
    const status = statusEventFor(job, 'queued', options.source, now, {
      reason:
        `replayed from ${topics.dlq} ${r.partition}:${r.offset} (replay ${job.replay!.count}, was ${r.letter.kind}: ${r.letter.reason})`.slice(
          0,
          500,
        ),
    });
    messages.push(
      {
        topic: deliveryTopicFor(topics, job),
        key: deliveryKey(job),
        value: encodeDeliveryJob(job),
      },
      { topic: topics.status, ...statusMessage(status) },
    );
    planned.push({
      notificationId: job.notificationId,
      attempt: job.attempt,
      topic: deliveryTopicFor(topics, job),
    });
  }
  return { messages, planned, skipped, refused, picked };
}

/**
 * After the plan's messages are published: what it handled (replayed, or without a job)
 * no longer waits. The replay group's offset moves over it; what lies past an older
 * waiting record is marked in Redis until the offset catches up.
 */
export async function commitReplay(
  source: DeadLetterSource,
  contents: DeadLetterContents,
  plan: ReplayPlan,
): Promise<void> {
  const refusedAt = new Set(plan.refused.map((r) => r.offset));
  const handled = new Set([
    ...contents.marks,
    ...plan.picked
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
  const key = replayMarksKey(source.topics.dlq);
  if (source.withRedis)
    await source
      .withRedis(async (redis) => {
        const tx = redis.multi().del(key);
        if (keep.length > 0) tx.sadd(key, ...keep);
        await tx.exec();
      })
      .catch((err: unknown) => {
        if (keep.length > 0)
          source.logger.warn(
            { err },
            'redis unreachable: replayed dead letters past an older waiting one were not marked',
          );
      });
  if (offsets.length > 0) {
    await withKafkaAdmin(source.kafka, (admin) =>
      admin.setGroupOffsets(replayGroupOf(source.topicPrefix), source.topics.dlq, offsets),
    );
  }
}
