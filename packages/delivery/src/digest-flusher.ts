import {
  deliveryKey,
  deliveryTopicFor,
  encodeDeliveryJob,
  statusEventFor,
  statusMessage,
  type ChannelName,
  type DeliveryJob,
  type Logger,
  type OutputMessage,
  type TopicNames,
} from '@herald/core';

/** A due digest as the store hands it over (`DueDigest` of `@herald/store`). */
export interface FlushableDigest {
  readonly id: string;
  readonly key: string;
  readonly openedAt: Date;
  /** The first collected job: recipient, template, locale, priority of the digest's job. */
  readonly job: unknown;
  readonly items: readonly {
    readonly notificationId: string;
    readonly eventId: string;
    readonly eventType: string;
    readonly eventTime: string | null;
    readonly payload: unknown;
  }[];
}

/** The digest store as the flusher uses it (`DigestStore` of `@herald/store`). */
export interface DigestFlushStore {
  claimDue(
    channels: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<FlushableDigest[]>;
  markFlushed(ids: readonly string[], now: Date): Promise<void>;
}

export interface DigestFlusherDeps {
  readonly store: DigestFlushStore;
  /** Publishes with acks from every in-sync replica (a `MessagePublisher`). */
  publish(messages: readonly OutputMessage[]): Promise<void>;
  readonly topics: TopicNames;
  readonly channels: readonly ChannelName[];
  /** Whether a message fits the record limit (`checkRecordSize`). */
  fits(message: OutputMessage): boolean;
  readonly now: () => Date;
  readonly log: Logger;
  /** How long a claim protects a flush in progress; a crashed flusher's digests wait this long. */
  readonly leaseMs?: number;
  /** Digests per claim. */
  readonly batch?: number;
}

const SOURCE = 'herald/worker';

/**
 * The job that sends a digest: the first item's job (recipient, locale, priority), the
 * digest template, and as payload the items' event data in collection order with a
 * count, the first and the last (`{{#each items}}`, `{{count}}`, `{{first.x}}` in the
 * template; `events` lists each item's event id, type and time). Its notification id is
 * the digest's id, so flushing the same digest twice yields the same job, which the
 * send lease sends once. Items are left out from the end (`truncated` says how many)
 * when the whole list would not fit one Kafka record.
 */
export function digestJob(
  digest: FlushableDigest,
  now: Date,
  fits: (job: DeliveryJob) => boolean,
): DeliveryJob {
  const first = digest.job as DeliveryJob;
  const all = digest.items;
  const build = (kept: number): DeliveryJob => {
    const items = all.slice(0, kept);
    const {
      digest: spec,
      cancelKey: _cancel,
      notBefore: _notBefore,
      history: _history,
      firstAttemptAt: _first,
      orderingKey: _ordering,
      ...base
    } = first;
    return {
      ...base,
      notificationId: digest.id,
      event: {
        id: digest.id,
        source: SOURCE,
        type: 'herald.digest',
        time: digest.openedAt.toISOString(),
      },
      template: { ref: spec!.template },
      attempt: 1,
      plannedAt: now.toISOString(),
      digestOf: { count: all.length },
      payload: {
        key: digest.key,
        count: all.length,
        items: items.map((i) => i.payload),
        first: all[0]?.payload ?? null,
        last: all.at(-1)?.payload ?? null,
        events: items.map((i) => ({
          notificationId: i.notificationId,
          id: i.eventId,
          type: i.eventType,
          ...(i.eventTime === null ? {} : { time: i.eventTime }),
        })),
        ...(kept < all.length ? { truncated: all.length - kept } : {}),
      },
    };
  };
  let kept = all.length;
  let job = build(kept);
  while (kept > 1 && !fits(job)) {
    kept = Math.floor(kept / 2);
    job = build(kept);
  }
  return job;
}

/**
 * Flushes due digests: claims them (several workers at once skip each other's rows),
 * publishes each digest's job with its `queued` status, then marks them flushed. A
 * crash between publish and mark re-flushes the same job ids after the claim lease.
 */
export function createDigestFlusher(deps: DigestFlusherDeps) {
  const leaseMs = deps.leaseMs ?? 60_000;
  const batch = deps.batch ?? 200;

  /** One round; returns how many digests it flushed. Throws when Postgres or Kafka fail. */
  async function flushOnce(): Promise<number> {
    const now = deps.now();
    const due = await deps.store.claimDue(deps.channels, now, leaseMs, batch);
    if (due.length === 0) return 0;
    const messages: OutputMessage[] = [];
    for (const digest of due) {
      const job = digestJob(digest, now, (j) => deps.fits(jobMessage(deps.topics, j)));
      messages.push(jobMessage(deps.topics, job));
      const queued = statusEventFor(job, 'queued', SOURCE, now, {
        reason: `digest of ${job.digestOf!.count} items`,
      });
      messages.push({ topic: deps.topics.status, ...statusMessage(queued, {}) });
    }
    await deps.publish(messages);
    await deps.store.markFlushed(
      due.map((d) => d.id),
      now,
    );
    return due.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  /** Runs `flushOnce` every `intervalMs` (at once again while a round filled its batch). */
  function start(intervalMs: number): void {
    const tick = async () => {
      let flushed = 0;
      try {
        flushed = await flushOnce();
      } catch (err) {
        deps.log.warn({ err }, 'digest flush failed; retrying on the next tick');
      }
      if (!stopped) timer = setTimeout(run, flushed >= batch ? 0 : intervalMs);
    };
    const run = () => {
      running = tick();
    };
    timer = setTimeout(run, 0);
  }

  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  }

  return { flushOnce, start, stop };
}

export type DigestFlusher = ReturnType<typeof createDigestFlusher>;

function jobMessage(topics: TopicNames, job: DeliveryJob): OutputMessage {
  return {
    topic: deliveryTopicFor(topics, job),
    key: deliveryKey(job),
    value: encodeDeliveryJob(job),
    headers: {},
  };
}
