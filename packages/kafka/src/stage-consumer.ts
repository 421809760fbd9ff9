import { Partitioners, type Consumer, type EachBatchPayload, type Producer } from 'kafkajs';
import {
  DEFAULT_MAX_RECORD_BYTES,
  once,
  runCleanups,
  sleep,
  type ConsumedRecord,
  type Logger,
} from '@herald/core';
import type { OutputMessage } from './output-message.js';
import type { StageConsumerConfig } from './stage-config.js';
import { sendOutputs } from './send-outputs.js';
import { awaitInFlight, fitOutputs, retryWithBackoff } from './stage-outputs.js';
import { platformaticOf } from './platformatic/connection.js';
import { PlatformaticStage } from './platformatic/stage-loop.js';

// The stage contract lives in core; re-exported so `@herald/kafka` imports keep working.
export type { ConsumedRecord };
// The stage's settings and logic live in stage-config.ts (the platformatic loop reads them
// too); re-exported so `@herald/kafka` imports keep working.
export type { StageConsumerConfig, StageHandler, StagePhase } from './stage-config.js';

/** Backoff of the rejoin after a crash kafkajs does not restart from: 1 s doubling to 30 s. */
const REJOIN = { initialMs: 1_000, maxMs: 30_000 };

/**
 * Runs a stage: consume → handle → produce (acks from all in-sync replicas) → commit.
 * Offsets are committed only after the outputs are acknowledged, so every hop is
 * at-least-once; downstream ids absorb the duplicates a crash can cause.
 *
 * `start()` and `stop()` are idempotent. `stop()` stops intake, lets the chunk in
 * flight finish (up to `shutdownTimeoutMs`), commits, then disconnects the consumer
 * and producer, running every cleanup even if one throws.
 */
export class StageConsumer {
  readonly #config: StageConsumerConfig;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #consumer: Consumer | undefined;
  #producer: Producer | undefined;
  #joined = false;
  /** When the consumer left its group (a crash, a lost connection); undefined while joined. */
  #outOfGroupSince: number | undefined;
  #lastError: Error | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  /** Aborted when `stop()` begins: no rejoin starts after it. */
  readonly #stopping = new AbortController();
  /** Settles on the first GROUP_JOIN (start() waits for it) or when the outage limit passes first. */
  #firstJoin: { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void };
  /** Delay lanes: paused partitions (`topic:partition`) and their resume timers. */
  readonly #pausedUntil = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** Set when the client handle was made with `client: 'platformatic'`: the loop runs there. */
  readonly #platformatic: PlatformaticStage | undefined;

  readonly start = once(() => this.#start());
  readonly stop = once(() => this.#stop());

  constructor(config: StageConsumerConfig) {
    this.#config = config;
    this.#log = config.logger.child({ component: 'stage-consumer', group: config.groupId });
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    this.#firstJoin = { promise, resolve, reject };
    const connection = platformaticOf(config.kafka);
    if (connection) {
      this.#platformatic = new PlatformaticStage(config, connection, this.#log, {
        joined: () => this.#onJoin(),
        left: (err) => this.#left(err),
      });
    }
  }

  /** True while the consumer is a member of its group: false before it joins and after a crash, stop or disconnect. */
  get joined(): boolean {
    return this.#joined;
  }

  async #start(): Promise<void> {
    if (this.#platformatic) {
      this.#outOfGroupSince = Date.now();
      this.#watch();
      await this.#platformatic.start();
      await this.#firstJoin.promise;
      this.#log.info({ topics: this.#config.topics, client: 'platformatic' }, 'consumer started');
      return;
    }
    // Named explicitly (it is kafkajs' default) so kafkajs does not warn that its default changed in v2.
    this.#producer = this.#config.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.#outOfGroupSince = Date.now();
    this.#watch();
    await this.#producer.connect();
    await this.#run();
    await this.#firstJoin.promise;
    this.#log.info({ topics: this.#config.topics }, 'consumer started');
  }

  /** A new kafkajs consumer, connected, subscribed and running (joining happens in the background). */
  async #run(): Promise<void> {
    const { kafka, groupId, topics } = this.#config;
    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.#config.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.floor((this.#config.sessionTimeoutMs ?? 30_000) / 10),
      maxBytesPerPartition: 1_048_576,
      ...(this.#config.minBytes === undefined ? {} : { minBytes: this.#config.minBytes }),
      ...(this.#config.maxWaitTimeMs === undefined
        ? {}
        : { maxWaitTimeInMs: this.#config.maxWaitTimeMs }),
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => this.#onJoin());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.#left(payload.error);
      this.#log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      // kafkajs restarts a consumer only after retriable errors; some errors of an outage
      // are not (a group coordinator not found after a broker restart), and the consumer
      // would stay stopped while the process looks alive. A fresh one rejoins instead.
      if (!payload.restart && consumer === this.#consumer) void this.#rejoin();
    });
    // Readiness follows membership: not ready from a stop or a lost connection until
    // the consumer joins its group again (kafkajs emits GROUP_JOIN on every rejoin).
    for (const event of [consumer.events.STOP, consumer.events.DISCONNECT]) {
      consumer.on(event, () => this.#left());
    }
    await consumer.connect();
    await consumer.subscribe({
      topics: [...topics],
      fromBeginning: this.#config.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#config.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  #onJoin(): void {
    this.#joined = true;
    this.#outOfGroupSince = undefined;
    this.#firstJoin.resolve();
  }

  #left(err?: Error): void {
    this.#joined = false;
    this.#outOfGroupSince ??= Date.now();
    if (err) this.#lastError = err;
  }

  /** Replaces a consumer kafkajs gave up on, with backoff, until it joins or the stage stops. */
  async #rejoin(): Promise<void> {
    const stopping = this.#stopping.signal;
    for (let attempt = 1; !stopping.aborted; attempt++) {
      const delay = Math.min(REJOIN.maxMs, REJOIN.initialMs * 2 ** (attempt - 1));
      await sleep(delay, stopping);
      if (stopping.aborted) return;
      await this.#consumer?.disconnect().catch(() => undefined);
      try {
        this.#log.warn({ attempt }, 'starting a new consumer after a crash');
        await this.#run();
        // stop() began while it connected: it may have stopped the previous consumer only.
        if (stopping.aborted) await this.#consumer?.disconnect().catch(() => undefined);
        return;
      } catch (err) {
        this.#left(err as Error);
        this.#log.warn({ err, attempt }, 'rejoin failed; retrying');
      }
    }
  }

  /** Calls `onOutage` once the consumer has been out of its group longer than the limit. */
  #watch(): void {
    const { outageLimitMs, onOutage } = this.#config;
    if (outageLimitMs === undefined || onOutage === undefined) return;
    this.#watchdog = setInterval(
      () => {
        const since = this.#outOfGroupSince;
        if (since === undefined || this.#stopping.signal.aborted) return;
        if (Date.now() - since <= outageLimitMs) return;
        clearInterval(this.#watchdog);
        const cause = this.#lastError?.message ?? 'not a member of its group';
        const err = new Error(
          `consumer group ${this.#config.groupId} has been out of its group for over ${outageLimitMs} ms: ${cause}`,
        );
        // Before the first join, start() fails with it (runMain decides); after it, the app does.
        this.#firstJoin.reject(err);
        onOutage(err);
      },
      Math.min(1_000, outageLimitMs),
    );
    this.#watchdog.unref();
  }

  async #eachBatch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
    commitOffsetsIfNecessary,
    pause,
  }: EachBatchPayload): Promise<void> {
    const chunkSize = this.#config.chunkSize ?? 500;
    const releaseAt = this.#config.releaseAt;
    const laneKey = `${batch.topic}:${batch.partition}`;
    // A batch fetched before its partition paused: leave it unresolved, it is fetched again.
    if (releaseAt && (this.#pausedUntil.get(laneKey)?.at ?? 0) > Date.now()) return;
    for (let i = 0; i < batch.messages.length; i += chunkSize) {
      if (!isRunning() || isStale() || this.#abort.signal.aborted) return;
      let chunk = batch.messages.slice(i, i + chunkSize);
      let waitUntil: number | undefined;
      if (releaseAt) {
        const now = Date.now();
        const notDue = chunk.findIndex((m) => releaseAt(batch.topic, Number(m.timestamp)) > now);
        if (notDue >= 0) {
          waitUntil = releaseAt(batch.topic, Number(chunk[notDue]!.timestamp));
          chunk = chunk.slice(0, notDue);
        }
      }
      if (chunk.length === 0) {
        this.#pauseUntil(laneKey, waitUntil!, pause);
        return;
      }
      const records: ConsumedRecord[] = chunk.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        headers: m.headers ?? {},
        timestamp: Number(m.timestamp),
      }));
      const outputs = await this.#retrying('handle', heartbeat, isRunning, () =>
        this.#config.handler.handle(records, this.#abort.signal),
      );
      if (outputs === undefined) return;
      if (outputs.length > 0) {
        const sent = await this.#retrying('produce', heartbeat, isRunning, () =>
          this.#produce(outputs),
        );
        if (sent === undefined) return;
      }
      const last = chunk[chunk.length - 1]!;
      // resolveOffset moves kafkajs' fetch position; commitOffsets makes it durable.
      // The committed offset is the next record to read.
      resolveOffset(last.offset);
      // The batch payload's commit goes straight to the group coordinator, so it still
      // commits while stop() drains this chunk (consumer.commitOffsets would not).
      await commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [
              { partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
            ],
          },
        ],
      });
      await heartbeat();
      if (waitUntil !== undefined) {
        this.#pauseUntil(laneKey, waitUntil, pause);
        return;
      }
    }
  }

  /** Pauses one partition until `at`; the unresolved records are fetched again on resume. */
  #pauseUntil(laneKey: string, at: number, pause: EachBatchPayload['pause']): void {
    const existing = this.#pausedUntil.get(laneKey);
    if (existing) clearTimeout(existing.timer);
    const resume = pause();
    const timer = setTimeout(
      () => {
        this.#pausedUntil.delete(laneKey);
        if (!this.#abort.signal.aborted) resume();
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.#pausedUntil.set(laneKey, { at, timer });
  }

  async #produce(outputs: readonly OutputMessage[]): Promise<true> {
    const maxRecordBytes = this.#config.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    const fitted = fitOutputs(outputs, maxRecordBytes, this.#config.deadLetterTopic, this.#log);
    await sendOutputs(this.#producer!, fitted, {
      maxRecordBytes,
      ...(this.#config.compression === undefined ? {} : { compression: this.#config.compression }),
    });
    return true;
  }

  /**
   * Retries `operation` with capped exponential backoff until it succeeds, the
   * consumer stops, or the partition is revoked; undefined means "give up, do not commit".
   */
  #retrying<T>(
    what: string,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
    operation: () => Promise<T>,
  ): Promise<T | undefined> {
    return retryWithBackoff(
      {
        what,
        log: this.#log,
        backoff: this.#config.retry,
        signal: this.#abort.signal,
        giveUp: () => !isRunning(),
        between: heartbeat,
      },
      operation,
    );
  }

  async #stop(): Promise<void> {
    if (this.#platformatic) {
      this.#stopping.abort();
      clearInterval(this.#watchdog);
      await this.#platformatic.stop();
      this.#left();
      this.#log.info({}, 'consumer stopped');
      return;
    }
    const deadline = this.#config.shutdownTimeoutMs ?? 25_000;
    this.#stopping.abort();
    clearInterval(this.#watchdog);
    const consumer = this.#consumer;
    const producer = this.#producer;
    for (const { timer } of this.#pausedUntil.values()) clearTimeout(timer);
    this.#pausedUntil.clear();
    await runCleanups([
      // kafkajs' disconnect stops fetching and waits for the batch in flight.
      async () => {
        if (!consumer) return;
        await awaitInFlight(consumer.stop(), deadline, this.#log, this.#abort);
        this.#abort.abort();
        await consumer.disconnect();
      },
      async () => producer?.disconnect(),
    ]);
    this.#log.info({}, 'consumer stopped');
  }
}
