import { z } from 'zod';
import { deliveryJobSchema, HeraldError, type DeliveryJob } from '@herald/core';

/** Why a record ended in herald.dlq. */
export const deadLetterKinds = ['permanent', 'exhausted', 'malformed', 'poison'] as const;
export type DeadLetterKind = (typeof deadLetterKinds)[number];

/**
 * What a dead letter over the record limit left out: the job's `payload`, the whole
 * `job`, the undecodable record's `raw` bytes, or the record's `value` (a reference
 * written by a stage's backstop).
 */
export const truncationKinds = ['payload', 'job', 'raw', 'value'] as const;
export type TruncationKind = (typeof truncationKinds)[number];

const attemptSchema = z.object({
  attempt: z.number().int().positive(),
  at: z.string(),
  outcome: z.enum(['transient', 'permanent', 'deferred', 'crashed']),
  reason: z.string(),
  statusCode: z.number().int().optional(),
});

/**
 * A worker's dead letter (value of a herald.dlq record, key = notification id): the
 * full job, every attempt's outcome and the final reason. Records other stages wrote
 * (raw bytes plus `herald-dlq-reason` headers) are read by `readDeadLetter` too.
 */
export const deadLetterSchema = z.object({
  heraldDeadLetter: z.literal(1),
  kind: z.enum(deadLetterKinds),
  reason: z.string(),
  deadLetteredAt: z.string(),
  notificationId: z.string().optional(),
  channel: z.string().optional(),
  tenant: z.string().optional(),
  job: deliveryJobSchema.optional(),
  /** The undecodable record, base64, when there is no job. */
  raw: z.string().optional(),
  attempts: z.array(attemptSchema),
  source: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() }),
  /**
   * Set when the letter was cut down to fit the record limit (`fitDeadLetter`): what
   * was left out and how large the full letter was. The full job is then only in the
   * source record (`source`), for as long as that topic keeps it; replay refuses it.
   */
  truncated: z
    .object({ omitted: z.enum(truncationKinds), originalBytes: z.number().int() })
    .optional(),
});

export type DeadLetter = z.infer<typeof deadLetterSchema>;
export type AttemptRecord = z.infer<typeof attemptSchema>;

/** Headers every dead letter carries, for tools that do not parse the value. */
export function deadLetterHeaders(letter: DeadLetter): Record<string, string> {
  return {
    'content-type': 'application/json',
    'herald-dlq-reason': letter.reason.slice(0, 500),
    'herald-dlq-kind': letter.kind,
    'herald-dlq-source-topic': letter.source.topic,
    'herald-dlq-source-offset': `${letter.source.partition}:${letter.source.offset}`,
    ...(letter.truncated
      ? {
          'herald-dlq-truncated': letter.truncated.omitted,
          'herald-dlq-original-bytes': String(letter.truncated.originalBytes),
        }
      : {}),
  };
}

export function encodeDeadLetter(letter: DeadLetter): Buffer {
  return Buffer.from(JSON.stringify(letter));
}

/** A herald.dlq record as tools see it, whichever stage wrote it. */
export interface DeadLetterRecord {
  readonly letter: DeadLetter;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
}

/**
 * Reads a herald.dlq record. Worker dead letters parse as they are; other records
 * (a router's or auditor's raw bytes with reason headers) become `malformed` letters.
 */
export function readDeadLetter(record: {
  readonly value: Buffer | null;
  readonly key: Buffer | null;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string | number;
}): DeadLetterRecord {
  const base = {
    partition: record.partition,
    offset: record.offset,
    timestamp: Number(record.timestamp),
  };
  try {
    const parsed = deadLetterSchema.safeParse(JSON.parse(record.value?.toString() ?? ''));
    if (parsed.success) return { ...base, letter: parsed.data };
  } catch {
    // not JSON: a raw record from another stage
  }
  const header = (name: string) => {
    const v = record.headers?.[name];
    return v === undefined ? undefined : String(v);
  };
  const [partition, offset] = (header('herald-dlq-source-offset') ?? '-1:-1').split(':');
  const omitted = header('herald-dlq-truncated');
  return {
    ...base,
    letter: {
      heraldDeadLetter: 1,
      kind: 'malformed',
      reason: header('herald-dlq-reason') ?? 'unknown',
      deadLetteredAt: new Date(Number(record.timestamp)).toISOString(),
      ...(record.key ? { notificationId: record.key.toString() } : {}),
      raw: (record.value ?? Buffer.alloc(0)).toString('base64'),
      attempts: [],
      source: {
        topic: header('herald-dlq-source-topic') ?? 'unknown',
        partition: Number(partition),
        offset: offset ?? '-1',
      },
      ...(omitted !== undefined && (truncationKinds as readonly string[]).includes(omitted)
        ? {
            truncated: {
              omitted: omitted as TruncationKind,
              originalBytes: Number(header('herald-dlq-original-bytes') ?? -1),
            },
          }
        : {}),
    },
  };
}

/**
 * The job a replay publishes: the next attempt number with a fresh retry budget
 * (attempts counted after the dead-lettered one), no wait, the history kept.
 */
export function replayJob(letter: DeadLetter, now: Date): DeliveryJob | undefined {
  // A cut-down letter's job lacks its payload: replaying it would send something else.
  if (!letter.job || letter.truncated) return undefined;
  const { notBefore: _notBefore, firstAttemptAt: _first, ...job } = letter.job;
  return {
    ...job,
    attempt: letter.job.attempt + 1,
    history: letter.attempts.slice(-50),
    replay: {
      count: (letter.job.replay?.count ?? 0) + 1,
      at: now.toISOString(),
      fromAttempt: letter.job.attempt,
    },
  };
}

/**
 * Why a dead letter cannot be replayed because it was cut down to fit the record
 * limit (`HERALD_ERR_DLQ_TRUNCATED`, naming where the original is); undefined when
 * it was not.
 */
export function replayRefusal(letter: DeadLetter): HeraldError | undefined {
  if (!letter.truncated) return undefined;
  const { source, truncated } = letter;
  return new HeraldError('HERALD_ERR_DLQ_TRUNCATED', [
    letter.notificationId ?? `${source.topic} ${source.partition}:${source.offset}`,
    `its ${truncated.omitted} was left out (the full letter was ${truncated.originalBytes} bytes, over the record limit); the original is ${source.topic} ${source.partition}:${source.offset}`,
  ]);
}
