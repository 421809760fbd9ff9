import { z } from 'zod';

/**
 * Schema fragments for the settings shared by several apps. Apps compose them in
 * their own `src/env.ts` and call `parseEnv` once. Defaults sit next to the schema.
 */

const hostPort = /^[^\s:,]+:\d{1,5}$/;

/** Duration in milliseconds, from a whole number. */
export const millis = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export function kafkaEnv() {
  return {
    /** Comma-separated host:port list. */
    KAFKA_BROKERS: z
      .string({ message: 'expected a comma-separated list of host:port, e.g. 127.0.0.1:19092' })
      .transform((s) =>
        s
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .refine((list) => list.length > 0 && list.every((b) => hostPort.test(b)), {
        message: 'expected a comma-separated list of host:port, e.g. 127.0.0.1:19092',
      }),
    HERALD_KAFKA_CLIENT_ID: z.string().default('herald'),
    /** Prepended to every topic and consumer group, so installs can share a cluster. */
    HERALD_TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-" only')
      .default(''),
    /** Partitions for topics Herald creates; existing topics are not changed. */
    HERALD_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
    HERALD_TOPIC_REPLICATION: z.coerce.number().int().min(1).max(7).default(1),
    /**
     * `min.insync.replicas` of the topics Herald creates: a record Herald produces (acks
     * from all in-sync replicas) is acknowledged once on this many brokers. Default: 2
     * when the replication factor is 3 or more, else 1. At most HERALD_TOPIC_REPLICATION.
     */
    HERALD_TOPIC_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).max(7).optional(),
    /** SASL for the brokers; username and password are then required. */
    HERALD_KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    HERALD_KAFKA_SASL_USERNAME: z.string().optional(),
    HERALD_KAFKA_SASL_PASSWORD: z.string().optional(),
    /** TLS to the brokers; HERALD_KAFKA_TLS_CA_FILE adds a CA bundle (PEM) to the trusted ones. */
    HERALD_KAFKA_TLS: flag(false),
    HERALD_KAFKA_TLS_CA_FILE: z.string().optional(),
    /**
     * Compression of the record batches Herald produces: `gzip` trades producer and
     * consumer CPU for fewer bytes on the wire and on disk (docs/benchmarks.md).
     */
    HERALD_KAFKA_COMPRESSION: z.enum(['none', 'gzip']).default('none'),
    /**
     * The Kafka client library the stage loop (consume → produce → commit) and the
     * publishers run on: `kafkajs` or `platformatic` (@platformatic/kafka). Admin,
     * topic set-up and topic reading stay on kafkajs either way (docs/ARCHITECTURE.md,
     * "Kafka client"; figures in docs/benchmarks.md, "Round 3: Kafka client").
     */
    HERALD_KAFKA_CLIENT: z.enum(['kafkajs', 'platformatic']).default('platformatic'),
    /**
     * The largest record Herald produces, measured as the broker does (a record batch
     * holding it alone: key, value, headers and framing). Herald creates its topics
     * with this `max.message.bytes`; the default is Kafka's own default. Topics made
     * by other means need the same value here. A stage never produces a record over
     * it: the event is rejected or the dead letter cut down instead (docs/reliability.md).
     */
    HERALD_KAFKA_MAX_RECORD_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * 1024 * 1024)
      .default(DEFAULT_MAX_RECORD_BYTES),
    /**
     * `retention.ms` of herald.dlq when Herald creates it: dead letters wait for an
     * operator, so they are kept much longer than Kafka's 7-day default; -1 keeps them
     * for ever. Existing topics are not changed (docs/reliability.md).
     */
    HERALD_DLQ_RETENTION_MS: z.coerce
      .number()
      .int()
      .min(-1)
      .refine((ms) => ms !== 0, { message: 'expected a positive number of ms, or -1 (for ever)' })
      .default(DEFAULT_DLQ_RETENTION_MS),
  };
}

/** Kafka's default `message.max.bytes` (1 MiB + 12 bytes of log overhead). */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_588;
/** 365 days. */
export const DEFAULT_DLQ_RETENTION_MS = 365 * 24 * 60 * 60 * 1000;

/** HERALD_KAFKA_COMMIT_INTERVAL_MS's default (docs/benchmarks.md, round 7: Kafka requests). */
const DEFAULT_COMMIT_INTERVAL_MS = 100;

/**
 * How a consuming stage fetches and commits its offsets (the commit interval: below).
 * A fetch: the broker answers once it has `MIN_BYTES` for it or `MAX_WAIT_MS` has
 * passed. The stages on a delivery's path (router, worker) answer at once (1 byte): a
 * lone event is not held for a fuller fetch, and under load chunks still fill by
 * themselves, because the client fetches again only after the chunks in hand are
 * handled (everything that arrived meanwhile comes in the next fetch, up to the chunk
 * size); `MAX_WAIT_MS` then only bounds an idle long poll. The
 * auditor, off that path, waits for bytes: its per-chunk cost (a transaction) is
 * shared by more statuses. Each stage passes its own defaults (docs/benchmarks.md).
 */
export function consumerEnv(defaults: { readonly minBytes: number; readonly maxWaitMs: number }) {
  return {
    HERALD_KAFKA_FETCH_MIN_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(64 * 1024 * 1024)
      .default(defaults.minBytes),
    HERALD_KAFKA_FETCH_MAX_WAIT_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(30_000)
      .default(defaults.maxWaitMs),
    /**
     * The least time between the starts of two offset commits of a stage (platformatic
     * client): what is acknowledged meanwhile merges into the next commit. Commits are off
     * the records' path, so this adds no latency; it bounds what a crash redoes (the
     * duplicates are absorbed downstream by deterministic ids). 0: a commit as soon as the
     * previous one ended, about one per chunk at moderate rates, and an OffsetCommit costs
     * the broker more CPU than a small produce (docs/benchmarks.md, round 7).
     */
    HERALD_KAFKA_COMMIT_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(DEFAULT_COMMIT_INTERVAL_MS),
  };
}

export function databaseEnv() {
  return {
    DATABASE_URL: z
      .string({
        message: 'expected a postgres:// URL, e.g. postgres://herald:herald@127.0.0.1:15432/herald',
      })
      .regex(
        /^postgres(ql)?:\/\//,
        'expected a postgres:// URL, e.g. postgres://herald:herald@127.0.0.1:15432/herald',
      ),
    HERALD_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  };
}

const REDIS_URL_HINT =
  'expected a redis:// URL, e.g. redis://127.0.0.1:16379, or redis+cluster://host:port,host:port for a Redis Cluster';

export function redisEnv() {
  return {
    /**
     * `redis://` (or `rediss://`) for one Redis; `redis+cluster://[user:password@]host:port,host:port`
     * (or `rediss+cluster://`) for a Redis Cluster, by some of its nodes (docs/reliability.md).
     */
    REDIS_URL: z
      .string({ message: REDIS_URL_HINT })
      .regex(
        /^rediss?(\+cluster:\/\/[^,\s]+:\d{1,5}(,[^,\s]+:\d{1,5})*\/?$|:\/\/)/,
        REDIS_URL_HINT,
      ),
  };
}

export function logEnv() {
  return {
    HERALD_LOG_LEVEL: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info'),
  };
}

/** Graceful shutdown: how long stop() waits for in-flight work before giving up. */
export function lifecycleEnv() {
  return {
    HERALD_SHUTDOWN_TIMEOUT_MS: millis(25_000),
    /**
     * How long Kafka, Postgres or Redis may be unreachable before the app gives up and
     * exits 1 (its orchestrator then restarts it). Shorter outages are ridden out:
     * start-up retries, consumers rejoin, /readyz says 503 meanwhile.
     */
    HERALD_DEPENDENCY_OUTAGE_MS: millis(300_000),
  };
}

/** A true/false setting; zod's coerce would read "false" as true. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1')
    .default(fallback);
