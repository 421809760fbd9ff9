import { z } from 'zod';
import {
  databaseEnv,
  consumerEnv,
  kafkaEnv,
  lifecycleEnv,
  logEnv,
  millis,
  parseEnv,
  type EnvSource,
} from '@herald/core';
import { telemetryEnv } from '@herald/telemetry';

const shape = {
  ...kafkaEnv(),
  // Audit rows are not urgent: up to 1 s or 1 MiB (~1,500 statuses) per fetch, so a
  // notification's statuses (queued and its outcome; a legacy `sending` too) usually land
  // in one chunk and merge into one row write; at 400 deliveries/s this cost Postgres 6-23 % less
  // CPU than 256 KiB / 200 ms (docs/benchmarks.md, "Round 4 (issue 19): audit write path").
  ...consumerEnv({ minBytes: 1024 * 1024, maxWaitMs: 1000 }),
  ...databaseEnv(),
  ...logEnv(),
  ...lifecycleEnv(),
  /** HERALD_METRICS_PORT (/metrics, /healthz, /readyz), consumer lag, OTEL_* tracing. */
  ...telemetryEnv(),
  /** Status events per multi-row insert. */
  HERALD_AUDITOR_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** Monthly partitions created ahead of the current month, at start-up and daily. */
  HERALD_PARTITIONS_AHEAD_MONTHS: z.coerce.number().int().min(1).max(24).default(2),
  /**
   * Retention: partitions whose whole month ended more than this many months ago are
   * detached and dropped, at start-up and on every maintenance run. 0 keeps everything.
   */
  HERALD_AUDIT_RETENTION_MONTHS: z.coerce.number().int().min(0).max(1200).default(0),
  /**
   * Retention of the in-app inbox (inbox_messages), like HERALD_AUDIT_RETENTION_MONTHS:
   * months whose whole month ended longer ago are dropped. 0 keeps everything.
   */
  HERALD_INBOX_RETENTION_MONTHS: z.coerce.number().int().min(0).max(1200).default(0),
  /** How often partitions are created ahead and retention runs. */
  HERALD_AUDITOR_MAINTENANCE_INTERVAL_MS: millis(3_600_000),
  /** Kafka partitions of herald.status written concurrently (each its own transaction). */
  HERALD_AUDITOR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(3),
};

export type AuditorEnv = ReturnType<typeof parseAuditorEnv>;

/** Parses and freezes the auditor's settings; throws naming every bad one. */
export function parseAuditorEnv(source: EnvSource) {
  return parseEnv(shape, source);
}
