import { decodeDeliveryJob, sleep, type DeliveryJob } from '@herald/core';
import type { AcquireResult } from '../idempotency-store.js';
import type { ConsumedRecord, PipelineDeps } from './ports.js';

/** A job due within this is sent now rather than parked in a delay lane. */
const HOLD_SLACK_MS = 100;
/** Tries to write a chunk's sent marks before giving up with a warning. */
const MARK_ATTEMPTS = 3;
/** How often marks Redis did not take are written again in the background. */
const UNMARKED_RETRY_MS = 1_000;
/** Sent notifications whose mark Redis did not take, remembered in this process (oldest dropped). */
const MAX_UNMARKED = 100_000;

/** A sent mark waiting to be written (see `finish`). */
export interface SentMark {
  readonly notificationId: string;
  readonly summary: string;
}

/** A chunk being handled: its records decoded and leased by `prepare`, its sent marks. */
export interface Chunk {
  readonly prepared: ReadonlyMap<ConsumedRecord, Prepared>;
  readonly marks: SentMark[];
}

/** A record of a chunk, decoded, with its send lease when `prepare` took one. */
export type Prepared =
  { readonly job: DeliveryJob; readonly lease?: AcquireResult } | { readonly error: Error };

type LeaseDeps = Pick<PipelineDeps, 'channels' | 'idempotency' | 'instanceId' | 'log' | 'now'>;

/** True while a job waits for its `notBefore` (it goes back to a delay lane). */
export const isHeld = (job: DeliveryJob, nowMs: number) =>
  job.notBefore !== undefined && Date.parse(job.notBefore) - nowMs > HOLD_SLACK_MS;

export function createLeases(deps: LeaseDeps) {
  const { log } = deps;
  /**
   * Notifications this process sent whose sent mark could not be written (Redis away
   * between `prepare` and `finish`). The chunk is then retried by this same worker
   * (a produce that failed, another job that threw) and its lease is still its own, so
   * without this the retry would send them again. They count as sent here, and their
   * marks are written again with the next chunk that has them, and every second in the
   * background until Redis takes them (`writeUnmarked`): any other copy of the job (a
   * duplicate record, the partition handed to another worker) waits out the lease, and
   * must find the mark when it ends, or it sends again.
   */
  const unmarked = new Map<string, string>();
  let rewrite: NodeJS.Timeout | undefined;
  const rememberUnmarked = (marks: readonly SentMark[]) => {
    for (const m of marks) {
      unmarked.delete(m.notificationId);
      unmarked.set(m.notificationId, m.summary);
    }
    while (unmarked.size > MAX_UNMARKED) unmarked.delete(unmarked.keys().next().value!);
    rewrite ??= setTimeout(writeUnmarked, UNMARKED_RETRY_MS).unref();
  };
  /** Writes the marks Redis did not take; again a second later while it still refuses. */
  function writeUnmarked(): void {
    rewrite = undefined;
    const marks = [...unmarked].map(([notificationId, summary]) => ({ notificationId, summary }));
    if (marks.length === 0) return;
    deps.idempotency!.completeMany(marks).then(
      () => {
        for (const m of marks)
          if (unmarked.get(m.notificationId) === m.summary) unmarked.delete(m.notificationId);
        log.info({ marks: marks.length }, 'sent marks written after Redis came back');
      },
      () => rememberUnmarked([]),
    );
  }

  /**
   * Sent marks already in Redis: written the moment their send succeeded (`markSent`),
   * so `finish` skips them. A worker killed in the middle of a chunk used to leave every
   * send of the chunk so far with a lease and no mark; the next owner waited the lease
   * out and sent them all again (the chaos suite's main source of duplicate sends).
   */
  const written = new WeakSet<SentMark>();
  /** Marks waiting for the next write: the sends that finish in one turn of the event loop share it. */
  let queued: { mark: SentMark; done: () => void }[] = [];

  function writeQueued(): void {
    const batch = queued;
    queued = [];
    const idem = deps.idempotency!;
    idem.completeMany(batch.map((q) => q.mark)).then(
      () => {
        for (const q of batch) {
          written.add(q.mark);
          q.done();
        }
      },
      (err: unknown) => {
        // `finish` writes them again (with retries) and keeps them in memory if Redis stays away.
        log.debug({ err, marks: batch.length }, 'sent marks not written yet; finish retries');
        for (const q of batch) q.done();
      },
    );
  }

  /**
   * Records a successful send in the chunk (`finish`, a later copy in the chunk) and
   * writes its mark to Redis now, batched with the marks of sends finishing at the same
   * time. Resolves once the write is done or failed; never throws.
   */
  function markSent(marks: SentMark[], mark: SentMark): Promise<void> {
    marks.push(mark);
    if (!deps.idempotency) return Promise.resolve();
    return new Promise<void>((done) => {
      queued.push({ mark, done });
      if (queued.length === 1) setImmediate(writeQueued);
    });
  }

  /**
   * Notification ids being handled in this process right now. The lease cannot tell two
   * handlings of the same record in one process apart (same owner), and kafkajs can run
   * them at once: when one partition's batch fails with a rebalance, it rejoins and
   * fetches the other partitions again while their batches are still running. The
   * second handling then waits (`enter` is false) instead of sending a second time.
   */
  const inFlight = new Set<string>();
  const enter = (notificationId: string) => {
    if (inFlight.has(notificationId)) return false;
    inFlight.add(notificationId);
    return true;
  };
  const exit = (notificationId: string) => inFlight.delete(notificationId);

  /** Who holds a job's lease: this worker instance and the record (a retried chunk is the same owner). */
  const ownerOf = (record: ConsumedRecord) =>
    `${deps.instanceId}/${record.topic}/${record.partition}/${record.offset}`;

  /**
   * Decodes a chunk's jobs and takes the send leases of those about to be sent in one
   * Redis round trip, instead of one per job inside each job's critical path. A
   * notification id seen twice in the chunk is leased once; its later copies ask for
   * themselves when their turn comes (and find it sent).
   */
  async function prepare(records: readonly ConsumedRecord[]): Promise<Chunk> {
    const prepared = new Map<ConsumedRecord, Prepared>();
    const marks: SentMark[] = [];
    const toLease: { record: ConsumedRecord; notificationId: string; owner: string }[] = [];
    const leased = new Set<string>();
    const nowMs = deps.now().getTime();
    for (const record of records) {
      let job: DeliveryJob;
      try {
        job = decodeDeliveryJob(record.value);
      } catch (err) {
        prepared.set(record, { error: err as Error });
        continue;
      }
      const summary = unmarked.get(job.notificationId);
      if (deps.idempotency && summary !== undefined) {
        // Sent by this process already; its mark goes out with this chunk's.
        prepared.set(record, { job, lease: { status: 'sent', summary } });
        if (!leased.has(job.notificationId))
          marks.push({ notificationId: job.notificationId, summary });
        leased.add(job.notificationId);
        continue;
      }
      prepared.set(record, { job });
      if (
        deps.idempotency &&
        !isHeld(job, nowMs) &&
        job.digest === undefined && // collected, never sent under its own id
        !leased.has(job.notificationId) &&
        deps.channels.providerFor(job)
      ) {
        leased.add(job.notificationId);
        toLease.push({ record, notificationId: job.notificationId, owner: ownerOf(record) });
      }
    }
    if (deps.idempotency && toLease.length > 0) {
      const leases = await deps.idempotency.acquireMany(toLease);
      toLease.forEach(({ record }, i) => {
        const entry = prepared.get(record) as { job: DeliveryJob };
        prepared.set(record, { job: entry.job, lease: leases[i]! });
      });
    }
    return { prepared, marks };
  }

  /**
   * The lease of one job about to be sent that `prepare` did not take (a copy later in
   * the same chunk): `sent` when the first copy's mark waits in `marks` (written by
   * `finish`), else asked for now.
   */
  async function leaseOf(
    record: ConsumedRecord,
    job: DeliveryJob,
    marks: readonly SentMark[],
  ): Promise<AcquireResult> {
    const sentInChunk = marks.find((m) => m.notificationId === job.notificationId);
    if (sentInChunk) return { status: 'sent', summary: sentInChunk.summary };
    const sentUnmarked = unmarked.get(job.notificationId);
    if (sentUnmarked !== undefined) return { status: 'sent', summary: sentUnmarked };
    return deps.idempotency!.acquire(job.notificationId, ownerOf(record));
  }

  /**
   * Writes the sent marks of a chunk's jobs that `markSent` could not write, in one
   * round trip; call it once the jobs are done, failed ones included, before the chunk
   * is retried. Redis failing here (it
   * answered `prepare` moments ago) is retried briefly, then logged and the marks kept
   * in this process (`unmarked`): the sends happened and their statuses go out; a retry
   * of the chunk here finds them sent, and only another worker taking the records over
   * after their leases end (a crash before the commit) would send them again.
   */
  async function finish(chunk: Chunk): Promise<void> {
    const idem = deps.idempotency;
    if (!idem) return;
    for (const m of chunk.marks) if (written.has(m)) unmarked.delete(m.notificationId);
    const rest = chunk.marks.filter((m) => !written.has(m));
    if (rest.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await idem.completeMany(rest);
        for (const m of rest) unmarked.delete(m.notificationId);
        return;
      } catch (err) {
        if (attempt >= MARK_ATTEMPTS) {
          rememberUnmarked(rest);
          log.warn(
            { err, marks: rest.length },
            'sent marks not written to Redis (check REDIS_URL and the Redis server): kept in memory and written again every second until Redis takes them',
          );
          return;
        }
        await sleep(100 * attempt);
      }
    }
  }

  return { ownerOf, prepare, leaseOf, markSent, finish, enter, exit };
}

export type Leases = ReturnType<typeof createLeases>;
