import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type Producer,
} from 'kafkajs';
import {
  DEFAULT_MAX_RECORD_BYTES,
  once,
  runCleanups,
  sleep,
  type ConsumedRecord,
  type Logger,
} from '@herald/core';
import type { OutputMessage } from './output-message.js';
import { checkRecordSize, fitOrReference, recordTooLarge } from './record-size.js';
import { sendOutputs, type Compression } from './send-outputs.js';

// The stage contract lives in core; re-exported so `@herald/kafka` imports keep working.
export type { ConsumedRecord };

/**
 * A stage's logic. `handle` turns a chunk of records into output messages.
 * - A bad record must become an output (rejected topic, DLQ, failed status), never a throw.
 * - A throw means "cannot do this now" (a dependency is down): the chunk is retried
 *   with backoff and its offsets are not committed, so nothing is lost.
 */
export interface StageHandler {
  handle(
    records: readonly ConsumedRecord[],
    signal: AbortSignal,
  ): Promise<readonly OutputMessage[]>;
}

export interface StageConsumerConfig {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: StageHandler;
  readonly logger: Logger;
  /** Records per `handle` call. */
  readonly chunkSize?: number;
  readonly partitionsConsumedConcurrently?: number;
  /** Where a new consumer group starts. Herald's groups start at the beginning: nothing is skipped. */
  readonly fromBeginning?: boolean;
  /** How long `stop()` waits for in-flight work before disconnecting anyway. */
  readonly shutdownTimeoutMs?: number;
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  readonly sessionTimeoutMs?: number;
  /**
   * Delay lanes: when a record may be handled (ms since epoch), from its topic and
   * broker timestamp. Must not decrease along a partition (e.g. timestamp + a fixed
   * delay per topic). The records before the first one not yet due are handled; the
   * partition then pauses until that one is due, without holding up other partitions.
   * Absent: every record is due at once (the default stage behaviour).
   */
  readonly releaseAt?: (topic: string, timestamp: number) => number;
  /** Longest wait of a fetch (kafkajs maxWaitTimeInMs; default 5000). Delay lanes use a short one. */
  readonly maxWaitTimeMs?: number;
  /** Bytes a fetch waits for, up to `maxWaitTimeMs` (kafkajs minBytes; default 1: answer at once). */
  readonly minBytes?: number;
  /** Compression of the outputs (`HERALD_KAFKA_COMPRESSION`); default none. */
  readonly compression?: Compression;
  /** The largest record the stage may produce (`HERALD_KAFKA_MAX_RECORD_BYTES`); default Kafka's. */
  readonly maxRecordBytes?: number;
  /**
   * Where an output over `maxRecordBytes` goes, as a reference record, when the
   * handler let one through (herald.dlq). Handlers fit their outputs themselves; this
   * is the backstop that keeps a stage from retrying a record the broker refuses for
   * ever. Without it such an output fails the chunk (`HERALD_ERR_KAFKA_RECORD_TOO_LARGE`).
   */
  readonly deadLetterTopic?: string;
}

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
  /** Delay lanes: paused partitions (`topic:partition`) and their resume timers. */
  readonly #pausedUntil = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  readonly start = once(() => this.#start());
  readonly stop = once(() => this.#stop());

  constructor(config: StageConsumerConfig) {
    this.#config = config;
    this.#log = config.logger.child({ component: 'stage-consumer', group: config.groupId });
  }

  /** True while the consumer is a member of its group: false before it joins and after a crash, stop or disconnect. */
  get joined(): boolean {
    return this.#joined;
  }

  async #start(): Promise<void> {
    const { kafka, groupId, topics } = this.#config;
    // Named explicitly (it is kafkajs' default) so kafkajs does not warn that its default changed in v2.
    this.#producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.#consumer = kafka.consumer({
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
    const joined = new Promise<void>((resolve) => {
      this.#consumer!.on(this.#consumer!.events.GROUP_JOIN, () => {
        this.#joined = true;
        resolve();
      });
    });
    this.#consumer.on(this.#consumer.events.CRASH, ({ payload }) => {
      this.#joined = false;
      this.#log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    });
    // Readiness follows membership: not ready from a stop or a lost connection until
    // the consumer joins its group again (kafkajs emits GROUP_JOIN on every rejoin).
    for (const event of [this.#consumer.events.STOP, this.#consumer.events.DISCONNECT]) {
      this.#consumer.on(event, () => {
        this.#joined = false;
      });
    }
    await this.#producer.connect();
    await this.#consumer.connect();
    await this.#consumer.subscribe({
      topics: [...topics],
      fromBeginning: this.#config.fromBeginning ?? true,
    });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#config.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
    await joined;
    this.#log.info({ topics }, 'consumer started');
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
    await sendOutputs(this.#producer!, this.#fitted(outputs, maxRecordBytes), {
      maxRecordBytes,
      ...(this.#config.compression === undefined ? {} : { compression: this.#config.compression }),
    });
    return true;
  }

  /** The outputs, each one over the limit replaced by a reference on the dead-letter topic. */
  #fitted(outputs: readonly OutputMessage[], maxRecordBytes: number): readonly OutputMessage[] {
    const topic = this.#config.deadLetterTopic;
    if (topic === undefined) return outputs;
    return outputs.map((output) => {
      const { fits, bytes } = checkRecordSize(output, maxRecordBytes);
      if (fits) return output;
      const error = recordTooLarge(output.topic, bytes, maxRecordBytes);
      this.#log.error(
        { err: error, key: output.key },
        'output too large; dead-lettered as a reference',
      );
      const traceparent = output.headers?.traceparent;
      return fitOrReference({ ...output, topic }, maxRecordBytes, 'herald-dlq', {
        'herald-dlq-reason': error.message,
        'herald-dlq-kind': 'malformed',
        'herald-dlq-target-topic': output.topic,
        ...(traceparent === undefined ? {} : { traceparent }),
      });
    });
  }

  /**
   * Retries `operation` with capped exponential backoff until it succeeds, the
   * consumer stops, or the partition is revoked; undefined means "give up, do not commit".
   */
  async #retrying<T>(
    what: string,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
    operation: () => Promise<T>,
  ): Promise<T | undefined> {
    const { initialMs, maxMs } = this.#config.retry ?? { initialMs: 250, maxMs: 10_000 };
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (err) {
        if (!isRunning() || this.#abort.signal.aborted) return undefined;
        const delay = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
        this.#log.warn({ err, attempt, retryInMs: delay }, `${what} failed; retrying`);
        await sleep(delay, this.#abort.signal);
        await heartbeat().catch(() => undefined);
      }
    }
  }

  async #stop(): Promise<void> {
    const deadline = this.#config.shutdownTimeoutMs ?? 25_000;
    const consumer = this.#consumer;
    const producer = this.#producer;
    for (const { timer } of this.#pausedUntil.values()) clearTimeout(timer);
    this.#pausedUntil.clear();
    await runCleanups([
      // kafkajs' disconnect stops fetching and waits for the batch in flight.
      async () => {
        if (!consumer) return;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.#log.warn(
              { deadlineMs: deadline },
              'in-flight work did not finish in time; aborting it',
            );
            this.#abort.abort();
            resolve();
          }, deadline);
        });
        await Promise.race([consumer.stop(), timeout]);
        clearTimeout(timer);
        this.#abort.abort();
        await consumer.disconnect();
      },
      async () => producer?.disconnect(),
    ]);
    this.#log.info({}, 'consumer stopped');
  }
}
