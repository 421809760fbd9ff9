import type { Kysely } from 'kysely';
import { deterministicId, type ChannelName, type Logger, type TopicNames } from '@herald/core';
import { createDigestFlusher, DependencyError, type WorkflowPort } from '@herald/delivery';
import { checkRecordSize, MessagePublisher, type KafkaClient } from '@herald/kafka';
import type { Lifecycle } from '@herald/runtime';
import {
  CancelStore,
  DigestStore,
  isPostgresUnavailable,
  type HeraldDatabase,
} from '@herald/store';
import type { WorkerEnv } from './env.js';

/** Postgres away is an outage (the chunk is retried, nothing dead-lettered), not a crash. */
async function outageAware<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isPostgresUnavailable(err)) throw new DependencyError('postgres', err);
    throw err;
  }
}

/**
 * The pipeline's digest and cancel port over Postgres (issue 16). A digest a job opens
 * gets an id derived from (tenant, recipient, channel, key, that job), so it is the same
 * whichever worker opens it; its window counts from the worker's clock. Postgres being
 * away surfaces as a DependencyError, so the pipeline retries the chunk instead of
 * counting a crash (three of which used to dead-letter the job as `poison`).
 */
export function workflowPort(db: Kysely<HeraldDatabase>, now: () => Date): WorkflowPort {
  const digests = new DigestStore(db);
  const cancels = new CancelStore(db);
  const port: WorkflowPort = {
    async collect(job) {
      const spec = job.digest!;
      const at = now();
      const { digestId } = await digests.collect(
        {
          notificationId: job.notificationId,
          tenant: job.tenant,
          recipientRef: job.recipient.ref,
          channel: job.channel,
          key: spec.key,
          newDigestId: deterministicId(
            'digest',
            job.tenant,
            job.recipient.ref,
            job.channel,
            spec.key,
            job.notificationId,
          ),
          dueAt:
            spec.dueAt !== undefined
              ? new Date(spec.dueAt)
              : new Date(at.getTime() + (spec.windowMs ?? 0)),
          ...(spec.max === undefined ? {} : { max: spec.max }),
          job,
          eventId: job.event.id,
          eventType: job.event.type,
          ...(job.event.time === undefined ? {} : { eventTime: job.event.time }),
          payload: job.payload,
        },
        at,
      );
      return { digestId };
    },
    decideCancel: (job) =>
      cancels.decide(
        {
          notificationId: job.notificationId,
          attempt: job.attempt,
          tenant: job.tenant,
          cancelKey: job.cancelKey!,
          plannedAt: job.plannedAt,
        },
        now(),
      ),
  };
  return {
    collect: (job) => outageAware(() => port.collect(job)),
    decideCancel: (job) => outageAware(() => port.decideCancel(job)),
  };
}

/**
 * Starts the flusher of this worker's channels' due digests (every
 * HERALD_WORKER_DIGEST_INTERVAL_MS; 0: off), with its own producer.
 */
export async function startDigestFlusher(
  life: Lifecycle,
  context: {
    readonly env: WorkerEnv;
    readonly db: Kysely<HeraldDatabase>;
    readonly kafka: KafkaClient;
    readonly topics: TopicNames;
    readonly channels: readonly ChannelName[];
    readonly log: Logger;
    readonly now: () => Date;
  },
): Promise<void> {
  const { env } = context;
  if (env.HERALD_WORKER_DIGEST_INTERVAL_MS === 0) return;
  const publisher = await life.use(
    async () => {
      const p = new MessagePublisher(context.kafka, {
        compression: env.HERALD_KAFKA_COMPRESSION,
        maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
      });
      await p.start();
      return p;
    },
    (p) => p.stop(),
  );
  const flusher = createDigestFlusher({
    store: new DigestStore(context.db),
    publish: (messages) => publisher.send(messages),
    topics: context.topics,
    channels: context.channels,
    fits: (message) => checkRecordSize(message, env.HERALD_KAFKA_MAX_RECORD_BYTES).fits,
    now: context.now,
    log: context.log,
    leaseMs: env.HERALD_WORKER_DIGEST_LEASE_MS,
  });
  await life.use(
    () => {
      flusher.start(env.HERALD_WORKER_DIGEST_INTERVAL_MS);
      return flusher;
    },
    (f) => f.stop(),
  );
}
