import { z } from 'zod';
import { channelNames, priorities } from '../channels.js';
import { HeraldError } from '../errors.js';
import { fallbackPlanSchema } from './fallback-plan.js';
import { isCommonDeliveryJob } from './job-shape.js';

/**
 * One delivery: one (event, rule, recipient, channel). Published to
 * `herald.deliveries.<channel>`, keyed by recipient so one recipient's messages stay
 * in order. Secrets never travel in a job: `options.secretRef` names a secret the
 * worker holds.
 */
export const deliveryJobSchema = z.object({
  /** Deterministic: same event, rule, recipient and channel give the same id. */
  notificationId: z.string().min(1),
  event: z.object({
    id: z.string().min(1),
    source: z.string().min(1),
    type: z.string().min(1),
    time: z.string().optional(),
  }),
  tenant: z.string().min(1),
  rule: z.object({ id: z.string().min(1), version: z.number().int().nonnegative() }),
  channel: z.enum(channelNames),
  recipient: z.object({
    /** Stable reference for status events and audit; never the raw address unless none exists. */
    ref: z.string().min(1),
    address: z.string().min(1),
  }),
  template: z.object({ ref: z.string().min(1) }).optional(),
  locale: z.string().optional(),
  /** The recipient's IANA time zone (`Europe/Paris`), for dates in templates; UTC when absent. */
  timezone: z.string().optional(),
  priority: z.enum(priorities),
  /** 1 for the first try. */
  attempt: z.number().int().positive(),
  /** ISO time before which the job must not be sent (retries, quiet hours). */
  notBefore: z.string().optional(),
  /** What the provider receives: for webhooks, the event's data. */
  payload: z.unknown(),
  options: z
    .object({
      secretRef: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** When the worker first tried to send it; the retry budget's max age counts from here. */
  firstAttemptAt: z.string().optional(),
  /** Every failed attempt so far (retries, dead letters), oldest first; at most the last 50. */
  history: z
    .array(
      z.object({
        attempt: z.number().int().positive(),
        at: z.string(),
        outcome: z.enum(['transient', 'permanent', 'deferred', 'crashed']),
        reason: z.string(),
        statusCode: z.number().int().optional(),
      }),
    )
    .optional(),
  /** Set by `herald dlq replay`: the retry budget counts attempts after `fromAttempt`. */
  replay: z
    .object({ count: z.number().int().positive(), at: z.string(), fromAttempt: z.number().int() })
    .optional(),
  /**
   * The Kafka key of the job, when the rule narrowed its ordering (`ordering: subject`
   * or `none`); absent: the recipient ref, so one recipient's jobs stay in order.
   */
  orderingKey: z.string().min(1).optional(),
  /**
   * The rule channel's `fallback` (docs/rules.md), planned by the router: the next
   * channels' jobs (address included), tried in order when this one dead-letters or,
   * with `afterMs`, is not `delivered` that long after it was sent.
   */
  fallback: fallbackPlanSchema.optional(),
  /** Set on a fallback job: the notification it stands in for. */
  fallbackOf: z.string().min(1).optional(),
  /** Set on a fallback job scheduled by `afterMs`: sent only if this notification was not delivered. */
  unlessDelivered: z.string().min(1).optional(),
  /**
   * Collect this job into a digest instead of sending it (issue 16, docs/rules.md
   * "Digest"): the worker appends it to the open digest of (tenant, recipient, channel,
   * `key`), which is sent as one job rendered with `template` over the collected items
   * once `windowMs` has passed since it opened, at `dueAt` (a schedule's next time, the
   * router computed it in the recipient's zone), or when it holds `max` items.
   */
  digest: z
    .object({
      key: z.string(),
      template: z.string().min(1),
      windowMs: z.number().int().positive().optional(),
      /** Schedule form: when a digest this job opens is due (ISO time). */
      dueAt: z.string().optional(),
      max: z.number().int().positive().optional(),
    })
    .optional(),
  /**
   * Cancellation key (issue 16): a cancel mark for (tenant, key) written at or after
   * `plannedAt` (a rule's `cancel.on` event or `herald cancel`) stops the job before send.
   */
  cancelKey: z.string().optional(),
  /** A digest's own job: how many items it carries (they are in `payload.items`). */
  digestOf: z.object({ count: z.number().int().nonnegative() }).optional(),
  /** When the router planned the job; start of the event → delivery latency. */
  plannedAt: z.string(),
  /** When the producer published the event (Kafka timestamp), if known. */
  producedAt: z.string().optional(),
});

export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/**
 * The Kafka key of a job on every deliveries and delay lane: jobs with the same key stay
 * in order (same partition, and one at a time inside a worker's chunk). By default the
 * recipient; a rule may narrow it to the recipient and the event's subject, or to the
 * notification itself (see docs/rules.md, `ordering`).
 */
export function deliveryKey(job: Pick<DeliveryJob, 'orderingKey' | 'recipient'>): string {
  return job.orderingKey ?? job.recipient.ref;
}

export function encodeDeliveryJob(job: DeliveryJob): Buffer {
  return Buffer.from(JSON.stringify(job));
}

/** Parses a job from a deliveries topic; a malformed one throws a non-retriable error. */
export function decodeDeliveryJob(value: Buffer | string | null): DeliveryJob {
  if (value === null) throw new HeraldError('HERALD_ERR_JOB_INVALID', ['the record has no value']);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (err) {
    throw new HeraldError('HERALD_ERR_JOB_INVALID', [`not JSON: ${(err as Error).message}`]);
  }
  // The hot path: a job as the router plans it, checked without zod (job-shape.ts).
  if (isCommonDeliveryJob(parsed)) return parsed as DeliveryJob;
  const result = deliveryJobSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new HeraldError('HERALD_ERR_JOB_INVALID', [
      `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    ]);
  }
  return result.data;
}
