import {
  Consumer,
  ListOffsetTimestamps,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type ConsumerGroupJoinPayload,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import { DEFAULT_MAX_RECORD_BYTES, runCleanups, sleep, type Logger } from '@herald/core';
import type { StageConsumerConfig, StagePhase } from '../stage-config.js';
import {
  awaitInFlight,
  fitOutputs,
  retryWithBackoff,
  type RetryOptions,
} from '../stage-outputs.js';
import { platformaticBase, type PlatformaticConnection } from './connection.js';
import { CommitQueue } from './commit-queue.js';
import { PlatformaticProducer } from './producer.js';
import { PartitionLedger, type Taken } from './partition-ledger.js';

type Raw = Message<Buffer, Buffer, Buffer, Buffer>;

/** Backoff of a restart after the consumer's stream failed: 1 s doubling to 30 s. */
const RESTART = { initialMs: 1_000, maxMs: 30_000 };

/** How the stage tells StageConsumer (readiness, the outage watchdog) about membership. */
export interface Membership {
  joined(): void;
  left(err?: Error): void;
}

/**
 * The stage loop on @platformatic/kafka: records of every assigned partition flow
 * through one stream; a chunk takes up to `chunkSize` of them ACROSS partitions, so a
 * chunk costs one handle, one produce and one commit however the records spread
 * (issue 19 item 4). Chunks run one after another, while the stream keeps fetching;
 * a chunk's commit runs beside the next chunk (`CommitQueue`, issue 19 item 5), so a
 * record arriving meanwhile waits for no commit round trip.
 *
 * Offsets: `PartitionLedger` owns the positions. A chunk commits, per partition, the
 * offset after its last record, and only for partitions this member has owned without
 * a break since the records were taken; a chunk that outlived its partitions is not
 * committed (the new owner redoes it: a duplicate before the commit, never a loss).
 * Records below a partition's position are dropped, so the re-fetch the library does
 * from the committed offset after a rebalance never hands a committed record over twice
 * (its issue #223, "stale offsets after rebalance", is checked by a test).
 */
export class PlatformaticStage {
  readonly #config: StageConsumerConfig;
  readonly #connection: PlatformaticConnection;
  readonly #log: Logger;
  readonly #membership: Membership;
  readonly #stopping = new AbortController();
  /** Aborted when in-flight work must end (stop() passed its deadline). */
  readonly #abort = new AbortController();
  readonly #producer: PlatformaticProducer;
  readonly #ledger: PartitionLedger;
  readonly #commits: CommitQueue;
  #consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  #loop: Promise<void> | undefined;
  /** Wakes the intake when records arrive, the assignment changes or the stage stops. */
  #wake: (() => void) | undefined;

  constructor(
    config: StageConsumerConfig,
    connection: PlatformaticConnection,
    log: Logger,
    membership: Membership,
  ) {
    this.#config = config;
    this.#connection = connection;
    this.#log = log;
    this.#membership = membership;
    this.#producer = new PlatformaticProducer(connection, `${config.groupId}-producer`);
    this.#commits = new CommitQueue((taken) => this.#commit(taken), log, {
      minIntervalMs: config.commitIntervalMs ?? 0,
    });
    this.#ledger = new PartitionLedger({
      ...(config.releaseAt === undefined ? {} : { releaseAt: config.releaseAt }),
      maxHeld: config.maxHeldRecords ?? 20_000,
      log,
      // The stream's fetch positions are the library's live map (`${topic}:${partition}`):
      // a change is read by the next fetch request.
      seek: (topic, partition, offset) =>
        this.#stream?.offsetsToFetch.set(`${topic}:${partition}`, offset),
      gap: (topic, partition, expected) => void this.#checkGap(topic, partition, expected),
    });
  }

  async start(): Promise<void> {
    await this.#open();
    this.#loop = this.#run();
  }

  /** A consumer joined to the group and its stream; the first join settles StageConsumer.start(). */
  async #open(): Promise<void> {
    const config = this.#config;
    const session = config.sessionTimeoutMs ?? 30_000;
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...platformaticBase(this.#connection, `${config.groupId}-consumer`),
      groupId: config.groupId,
      sessionTimeout: session,
      heartbeatInterval: Math.floor(session / 10),
      rebalanceTimeout: Math.max(session, config.shutdownTimeoutMs ?? 25_000),
      autocommit: false,
      maxBytesPerPartition: 1_048_576,
      ...(config.minBytes === undefined ? {} : { minBytes: config.minBytes }),
      maxWaitTime: config.maxWaitTimeMs ?? 5_000,
      // Records read ahead while a chunk is handled: a few chunks' worth.
      highWaterMark: Math.max(1_024, (config.chunkSize ?? 500) * 4),
    });
    this.#consumer = consumer;
    consumer.on('consumer:group:join', (payload: ConsumerGroupJoinPayload) =>
      this.#onJoin(consumer, payload),
    );
    // A rebalance began: what was acknowledged is committed now, while the partitions
    // are still ours, instead of at the end of the commit interval (CommitQueue).
    consumer.on('consumer:group:rebalance', () => this.#commits.flushNow());
    consumer.on('consumer:group:leave', () => this.#membership.left());
    consumer.on('consumer:heartbeat:error', ({ error }) => this.#membership.left(error));
    // The consumer itself emits 'error' when it gives up rejoining its group (a broker
    // killed, the coordinator moving): without a listener Node ends the process, which
    // the chaos cluster profile saw. Handled like a failed stream: restart with backoff.
    consumer.on('error', (err: Error) => {
      if (this.#stopping.signal.aborted || consumer !== this.#consumer) return;
      this.#log.error({ err }, 'consumer failed; restarting the consumer');
      this.#membership.left(err);
      void this.#restart();
    });
    const stream = await consumer.consume({
      topics: [...config.topics],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode:
        (config.fromBeginning ?? true)
          ? MessagesStreamFallbackModes.EARLIEST
          : MessagesStreamFallbackModes.LATEST,
      autocommit: false,
    });
    this.#stream = stream;
    // A 'readable' listener switches the stream out of "nobody reads" (the library
    // fetches only then) without flowing mode: the intake pulls with read().
    stream.on('readable', () => this.#wake?.());
    stream.on('error', (err: Error) => {
      if (this.#stopping.signal.aborted || stream !== this.#stream) return;
      this.#log.error({ err }, 'consumer stream failed; restarting the consumer');
      this.#membership.left(err);
      void this.#restart();
    });
    // The assignment of the join that happened while consume() set up.
    if (consumer.assignments)
      this.#onJoin(consumer, { groupId: config.groupId, memberId: consumer.memberId ?? '' });
  }

  #onJoin(
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    payload: ConsumerGroupJoinPayload,
  ): void {
    if (consumer !== this.#consumer) return;
    const assigned = (consumer.assignments ?? []).flatMap(({ topic, partitions }) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    this.#ledger.assign(payload.memberId ?? consumer.memberId ?? '', assigned, (fresh) =>
      this.#starts(consumer, fresh),
    );
    this.#membership.joined();
    this.#wake?.();
  }

  /**
   * Where newly assigned partitions start: the group's committed offset, or for a
   * partition the group never committed, its earliest offset (`fromBeginning`, the
   * default) or its end. Explicit even then: after a rejoin the library leaves a
   * never-committed partition at its own fetch position, which can be past records this
   * member dropped in the rebalance (round 6's chaos loss). Retried until read or stopped.
   */
  async #starts(
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    partitions: ReadonlyArray<{ topic: string; partition: number }>,
  ): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    const committed = await this.#lookup(consumer, 'reading committed offsets', () =>
      consumer.listCommittedOffsets({
        topics: [...byTopic(partitions)].map(([topic, list]) => ({ topic, partitions: list })),
      }),
    );
    for (const [topic, list] of committed ?? []) {
      list.forEach((offset, partition) => {
        if (offset >= 0n) out.set(`${topic}:${partition}`, offset);
      });
    }
    const never = partitions.filter(({ topic, partition }) => !out.has(`${topic}:${partition}`));
    if (committed === undefined || never.length === 0) return out;
    const fromBeginning = this.#config.fromBeginning ?? true;
    const ends = await this.#listOffsets(
      consumer,
      never,
      fromBeginning ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
    );
    for (const { topic, partition } of never) {
      const offset = ends?.get(topic)?.[partition];
      if (offset !== undefined && offset >= 0n) out.set(`${topic}:${partition}`, offset);
    }
    return out;
  }

  /**
   * A partition's records skipped its position: if retention deleted the records from
   * there, the ledger goes on from the log's start; otherwise the ledger's move back
   * (a re-read) stands.
   */
  async #checkGap(topic: string, partition: number, expected: bigint): Promise<void> {
    const consumer = this.#consumer;
    if (!consumer) return;
    const starts = await this.#listOffsets(
      consumer,
      [{ topic, partition }],
      ListOffsetTimestamps.EARLIEST,
    );
    const earliest = starts?.get(topic)?.[partition];
    if (earliest !== undefined) this.#ledger.skipDeleted(topic, partition, expected, earliest);
  }

  /** The earliest or latest offsets of `partitions`, by topic (undefined when stopped first). */
  async #listOffsets(
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    partitions: ReadonlyArray<{ topic: string; partition: number }>,
    timestamp: bigint,
  ): Promise<Map<string, bigint[]> | undefined> {
    const topics = byTopic(partitions);
    return this.#lookup(consumer, 'reading partition offsets', () =>
      consumer.listOffsets({
        topics: [...topics.keys()],
        partitions: Object.fromEntries(topics),
        timestamp,
      }),
    );
  }

  /** A metadata read retried with backoff while `consumer` is current and the stage runs. */
  #lookup<T>(
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    what: string,
    read: () => Promise<T>,
  ): Promise<T | undefined> {
    return retryWithBackoff(
      {
        what,
        log: this.#log,
        backoff: this.#config.retry,
        signal: this.#stopping.signal,
        giveUp: () => consumer !== this.#consumer,
      },
      read,
    );
  }

  async #restart(): Promise<void> {
    const old = this.#consumer;
    this.#consumer = undefined;
    this.#stream = undefined;
    this.#ledger.assign('', [], async () => new Map());
    await old?.close(true).catch(() => undefined);
    for (let attempt = 1; !this.#stopping.signal.aborted; attempt++) {
      await sleep(
        Math.min(RESTART.maxMs, RESTART.initialMs * 2 ** (attempt - 1)),
        this.#stopping.signal,
      );
      if (this.#stopping.signal.aborted) return;
      try {
        await this.#open();
        this.#wake?.();
        return;
      } catch (err) {
        this.#membership.left(err as Error);
        this.#log.warn({ err, attempt }, 'consumer restart failed; retrying');
        await this.#current()
          ?.close(true)
          .catch(() => undefined);
      }
    }
  }

  /** The consumer #open made last (a method: TypeScript narrows the field after a reset). */
  #current(): Consumer<Buffer, Buffer, Buffer, Buffer> | undefined {
    return this.#consumer;
  }

  /** Takes chunks and runs them until stop() begins. */
  async #run(): Promise<void> {
    const chunkSize = this.#config.chunkSize ?? 500;
    while (!this.#stopping.signal.aborted) {
      await this.#ledger.ready();
      if (this.#stopping.signal.aborted) break;
      const chunk = this.#ledger.take(
        chunkSize,
        () => (this.#stream?.read() as Raw | null) ?? null,
      );
      if (chunk.length > 0) {
        await this.#runChunk(chunk);
        continue;
      }
      await this.#idle(this.#ledger.nextRelease());
    }
    // stop(): the last chunks' commits are part of the work it waits for.
    await this.#commits.drained();
  }

  /** Waits for records, the next held record's release, an assignment change or stop. */
  async #idle(releaseAt: number | undefined): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#stopping.signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const wait = releaseAt === undefined ? 1_000 : Math.max(0, releaseAt - Date.now());
      const timer = setTimeout(done, wait);
      this.#wake = done;
      this.#stopping.signal.addEventListener('abort', done, { once: true });
    });
  }

  async #runChunk(chunk: readonly Taken[]): Promise<void> {
    const records = chunk.map((taken) => taken.record);
    const onPhase = this.#config.onPhase;
    let lap = 0;
    if (onPhase) {
      let newest = 0;
      for (const r of records) newest = Math.max(newest, r.timestamp);
      onPhase('intake', Date.now() - newest, records.length);
      lap = performance.now();
    }
    const outputs = await retryWithBackoff(this.#retry('handle', chunk), () =>
      this.#config.handler.handle(records, this.#abort.signal),
    );
    if (outputs === undefined) return;
    if (onPhase) lap = lapped(onPhase, 'handle', lap, records.length);
    if (outputs.length > 0) {
      const maxRecordBytes = this.#config.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
      const fitted = fitOutputs(outputs, maxRecordBytes, this.#config.deadLetterTopic, this.#log);
      const sent = await retryWithBackoff(this.#retry('produce', chunk), async () => {
        await this.#producer.send(fitted, {
          maxRecordBytes,
          ...(this.#config.compression === undefined
            ? {}
            : { compression: this.#config.compression }),
        });
        return true;
      });
      if (sent === undefined) return;
      if (onPhase) lapped(onPhase, 'produce', lap, records.length);
    }
    // Acknowledged: the commit runs beside the next chunk (CommitQueue).
    this.#commits.add(chunk);
  }

  /** A step of `chunk`'s work retried with backoff until stop, or until none of it is still ours. */
  #retry(what: string, chunk: readonly Taken[]): RetryOptions {
    return {
      what,
      log: this.#log,
      backoff: this.#config.retry,
      signal: this.#abort.signal,
      giveUp: () => this.#ledger.allStale(chunk),
    };
  }

  /** Commits what is still ours of `taken`; a commit that fails is retried while it is. */
  async #commit(taken: readonly Taken[]): Promise<void> {
    const started = this.#config.onPhase ? performance.now() : 0;
    let partitions = 0;
    await retryWithBackoff(this.#retry('commit', taken), async () => {
      partitions = this.#ledger.commitOffsets(taken).length;
      if (partitions === 0 || !this.#consumer) return;
      // Read when the request is built, not now: a commit refused because the group is
      // rebalancing makes the library rejoin and send the same options again under the
      // new generation. A fixed list would then commit partitions this member just lost,
      // moving the new owner's committed offset back (seen as the rebalance test's
      // "committed to its end" timeout: nobody commits again once the records end). The
      // join event updates the ledger before that resend, so it carries only what is
      // still ours.
      const ledger = this.#ledger;
      await this.#consumer.commit({
        get offsets() {
          return ledger.commitOffsets(taken);
        },
      });
    });
    if (this.#config.onPhase && partitions > 0)
      this.#config.onPhase('commit', performance.now() - started, partitions);
  }

  async stop(): Promise<void> {
    const deadline = this.#config.shutdownTimeoutMs ?? 25_000;
    this.#stopping.abort();
    this.#wake?.();
    await awaitInFlight(this.#loop ?? Promise.resolve(), deadline, this.#log, this.#abort);
    this.#abort.abort();
    const stream = this.#stream;
    const consumer = this.#consumer;
    await runCleanups([
      async () => stream?.close(),
      async () => consumer?.close(true),
      async () => this.#producer.close(),
    ]);
  }
}

/** Partition numbers grouped by topic. */
function byTopic(
  partitions: ReadonlyArray<{ topic: string; partition: number }>,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = out.get(topic);
    if (list) list.push(partition);
    else out.set(topic, [partition]);
  }
  return out;
}

/** Reports the phase that ended now (it began at `since`) and returns now. */
function lapped(
  onPhase: (phase: StagePhase, ms: number, records: number) => void,
  phase: StagePhase,
  since: number,
  records: number,
): number {
  const now = performance.now();
  onPhase(phase, now - since, records);
  return now;
}
