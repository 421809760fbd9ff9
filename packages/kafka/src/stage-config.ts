import type { Kafka } from 'kafkajs';
import type { ConsumedRecord, Logger } from '@herald/core';
import type { OutputMessage } from './output-message.js';
import type { Compression } from './send-outputs.js';

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
  /**
   * Delay lanes on @platformatic/kafka (no per-partition pause there): how many
   * not-yet-due records the stage holds in memory before it stops reading (default
   * 20,000; docs/ARCHITECTURE.md, "Kafka client").
   */
  readonly maxHeldRecords?: number;
  /** Longest wait of a fetch (kafkajs maxWaitTimeInMs; default 5000). Delay lanes use a short one. */
  readonly maxWaitTimeMs?: number;
  /** Bytes a fetch waits for, up to `maxWaitTimeMs` (kafkajs minBytes; default 1: answer at once). */
  readonly minBytes?: number;
  /**
   * Platformatic loop only (`HERALD_KAFKA_COMMIT_INTERVAL_MS`): the least time between the
   * starts of two offset commits; what is acknowledged meanwhile merges into the next.
   * Default 0: a commit starts as soon as the previous one ended (docs/ARCHITECTURE.md,
   * "Kafka client").
   */
  readonly commitIntervalMs?: number;
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
  /**
   * How long the consumer may be out of its group (Kafka unreachable, a coordinator
   * that does not answer) before `onOutage` is called (HERALD_DEPENDENCY_OUTAGE_MS).
   * Until then it keeps rejoining, with a fresh kafkajs consumer when kafkajs gives up.
   */
  readonly outageLimitMs?: number;
  /** Called once when the consumer has been out of its group longer than `outageLimitMs`. */
  readonly onOutage?: (err: Error) => void;
  /**
   * Debug timing (platformatic loop only; bench/e2e hop-latency uses it): called with each
   * chunk's phases as they end, and each commit request. Absent: nothing is timed.
   */
  readonly onPhase?: (phase: StagePhase, ms: number, records: number) => void;
}

/**
 * A phase of the platformatic loop (`onPhase`): `intake` is the age of a chunk's newest
 * record (its producer's clock) when taken; `handle`; `produce` until acknowledged (only
 * chunks with outputs); `commit`, one commit request (records = partitions committed),
 * which runs beside the next chunk.
 */
export type StagePhase = 'intake' | 'handle' | 'produce' | 'commit';
