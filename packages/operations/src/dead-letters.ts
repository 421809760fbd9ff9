import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { HeraldError, type Logger, type TopicNames } from '@herald/core';
import {
  readTopic,
  withKafkaAdmin,
  type GroupTopicOffsets,
  type KafkaClient,
  type PartitionEnds,
} from '@herald/kafka';
import {
  advanceReplayWatermark,
  committedOffset,
  deadLetterKinds,
  readDeadLetter,
  replayMarksKey,
  type DeadLetterRecord,
} from '@herald/delivery';

/** Which dead letters: every field optional, all must hold. */
export interface DeadLetterFilter {
  readonly id?: string | undefined;
  readonly channel?: string | undefined;
  readonly tenant?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly reason?: string | undefined;
  readonly kind?: string | undefined;
}

export const deadLetterFilterNames = [
  'id',
  'channel',
  'tenant',
  'since',
  'until',
  'reason',
  'kind',
] as const;

export function matchesDeadLetter(record: DeadLetterRecord, f: DeadLetterFilter): boolean {
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

/**
 * What would silently match nothing: an unknown kind, a time that is not one. One
 * problem per filter field; the CLI shows them as `--<field> <message>`, the API as
 * query fields.
 */
export function deadLetterFilterProblems(
  f: DeadLetterFilter,
): { field: 'kind' | 'since' | 'until'; message: string }[] {
  const problems: { field: 'kind' | 'since' | 'until'; message: string }[] = [];
  if (f.kind !== undefined && !(deadLetterKinds as readonly string[]).includes(f.kind))
    problems.push({
      field: 'kind',
      message: `${f.kind} is not a dead-letter kind; use ${deadLetterKinds.join(', ')}`,
    });
  for (const field of ['since', 'until'] as const) {
    const value = f[field];
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      problems.push({
        field,
        message: `${value} is not a time; use ISO 8601, e.g. 2026-11-01T08:00:00Z`,
      });
  }
  return problems;
}

/** The group whose offsets say how far herald.dlq was replayed (herald_dlq_messages). */
export const replayGroupOf = (topicPrefix: string) => `${topicPrefix}herald-dlq-replay`;

export interface DeadLetterContents {
  readonly records: DeadLetterRecord[];
  /** Per partition: the oldest kept offset, and the first not replayed. */
  readonly partitions: Map<number, { low: bigint; replayedUpTo: bigint }>;
  /** "partition:offset" of records replayed past `replayedUpTo` (Redis, see replayMarksKey). */
  readonly marks: ReadonlySet<string>;
}

export interface DeadLetterSource {
  readonly kafka: KafkaClient;
  readonly topics: TopicNames;
  readonly topicPrefix: string;
  /** Runs `body` with Redis (replay marks); absent or failing = no marks, with a warning. */
  readonly withRedis?: <T>(body: (redis: Redis | Cluster) => Promise<T>) => Promise<T>;
  readonly logger: Logger;
  /** Told how many of how many records were read (a progress counter). */
  readonly onProgress?: (read: number, total: number) => void;
}

async function readMarks(source: DeadLetterSource): Promise<Set<string>> {
  if (!source.withRedis) return new Set();
  try {
    return new Set(
      await source.withRedis((redis) => redis.smembers(replayMarksKey(source.topics.dlq))),
    );
  } catch (err) {
    source.logger.warn(
      { err },
      'redis unreachable: dead letters replayed past an older waiting one show as not replayed',
    );
    return new Set();
  }
}

/**
 * Reads herald.dlq from the beginning up to its current end, with a throw-away group:
 * `herald dlq` and `/v1/dead-letters` both list through this.
 */
export async function readDeadLetters(source: DeadLetterSource): Promise<DeadLetterContents> {
  const { kafka, topics } = source;
  const [ends, committed] = await withKafkaAdmin(
    kafka,
    async (admin): Promise<[PartitionEnds[], GroupTopicOffsets['partitions']]> => {
      if (!(await admin.listTopics()).includes(topics.dlq))
        throw new HeraldError('HERALD_ERR_KAFKA_TOPIC', [
          topics.dlq,
          'does not exist (check HERALD_TOPIC_PREFIX and KAFKA_BROKERS)',
        ]);
      const groups = await admin.groupOffsets(replayGroupOf(source.topicPrefix), [topics.dlq]);
      return [
        await admin.topicOffsets(topics.dlq),
        groups.find((t) => t.topic === topics.dlq)?.partitions ?? [],
      ];
    },
  );
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
  const marks = await readMarks(source);
  if (remaining.size === 0) return { records, partitions, marks };
  let finish!: () => void;
  const until = new Promise<void>((resolve) => (finish = resolve));
  await readTopic(kafka, {
    topic: topics.dlq,
    groupId: `herald-cli-dlq-${randomBytes(4).toString('hex')}`,
    fromBeginning: true,
    until,
    onRecord: (record) => {
      const end = remaining.get(record.partition);
      if (end === undefined || BigInt(record.offset) >= end) return;
      records.push(readDeadLetter(record));
      source.onProgress?.(records.length, total);
      if (BigInt(record.offset) + 1n >= end) remaining.delete(record.partition);
      if (remaining.size === 0) finish();
    },
  });
  return { records: records.sort((a, b) => a.timestamp - b.timestamp), partitions, marks };
}

export const isReplayed = (contents: DeadLetterContents, r: DeadLetterRecord): boolean =>
  BigInt(r.offset) < (contents.partitions.get(r.partition)?.replayedUpTo ?? 0n) ||
  contents.marks.has(`${r.partition}:${r.offset}`);

/** A dead letter as a list shows it: one line, no job. */
export function deadLetterSummary(contents: DeadLetterContents, r: DeadLetterRecord) {
  const l = r.letter;
  return {
    offset: `${r.partition}:${r.offset}`,
    deadLetteredAt: l.deadLetteredAt,
    notificationId: l.notificationId ?? null,
    channel: l.channel ?? null,
    tenant: l.tenant ?? null,
    kind: l.kind,
    attempts: l.attempts.length,
    reason: l.reason,
    replayed: isReplayed(contents, r),
  };
}
