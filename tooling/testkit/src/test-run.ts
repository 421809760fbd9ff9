import { Kafka, logLevel } from 'kafkajs';
import { stackEnv, stackTopicSettings, uniquePrefix } from './stack-env.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** Anything with the lifecycle of a Herald app (or a server, a consumer) to stop at the end. */
export interface Stoppable {
  stop(): Promise<unknown> | unknown;
}

/** Something the run starts, then stops in reverse order (`buildAuditor(…)`, `buildWorker(…)`). */
export interface Startable extends Stoppable {
  start(): Promise<unknown> | unknown;
}

export interface TestRun {
  /** This run's topic and consumer-group prefix, `t-<hex>.`: give it to every app. */
  readonly prefix: string;
  /** A kafkajs client for the local stack (it connects nothing until used). */
  readonly kafka: Kafka;
  /**
   * The settings every Herald app of the run shares, merged with `extra`: the stack's
   * brokers, the prefix, one partition per topic, a free ops port, and `DATABASE_URL`
   * once `database()` made one. `extra` wins.
   */
  settings(extra?: Readonly<Record<string, string>>): Record<string, string>;
  /** Creates the run's own database (once; later calls return it). Dropped by `stop()`. */
  database(): Promise<TestDatabase>;
  /** Starts `app` and registers its `stop()`; returns the app. */
  start<A extends Startable>(app: A): Promise<A>;
  /** Registers a clean-up (a consumer to disconnect, a server to close) for `stop()`. */
  defer(cleanup: () => Promise<unknown> | unknown): void;
  /**
   * Stops everything registered, in reverse order, then drops the database, deletes every
   * topic (and empty consumer group) with the prefix. Every step runs even when an earlier
   * one throws; the failures are thrown together at the end. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * One test file's isolated slice of the local stack: a unique topic prefix, optionally its
 * own database, and the apps it starts, all torn down by one `stop()`. Create it at module
 * scope (the prefix is known at once, for ids), start things in `beforeAll`, and hand
 * `stop` to `afterAll`.
 *
 * @example
 * const run = testRun('auditor-test');
 * const topics = topicNames(run.prefix);
 * let auditor: Auditor;
 * beforeAll(async () => {
 *   await run.database();
 *   await ensureTopics(run.kafka, heraldTopicSpecs(topics, 1, 1));
 *   auditor = await run.start(buildAuditor(parseAuditorEnv(run.settings()), silentLogger));
 * });
 * afterAll(() => run.stop());
 */
export function testRun(clientId: string): TestRun {
  const stack = stackEnv();
  const prefix = uniquePrefix();
  const kafka = new Kafka({
    clientId,
    brokers: stack.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let database: Promise<TestDatabase> | undefined;
  let databaseUrl: string | undefined;
  let stopping: Promise<void> | undefined;

  async function teardown(): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<unknown> | unknown) => {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    };
    for (const cleanup of cleanups.splice(0).reverse()) await attempt(cleanup);
    if (database) {
      const db = database;
      await attempt(async () => (await db).drop());
    }
    await attempt(() => deleteRunResources(kafka, prefix));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'test run clean-up failed');
  }

  return {
    prefix,
    kafka,
    settings: (extra = {}) => ({
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      HERALD_TOPIC_PREFIX: prefix,
      HERALD_TOPIC_PARTITIONS: '1',
      // Several apps in one process (and several suites on one machine): a free port each.
      HERALD_METRICS_PORT: '0',
      // A run on the three-broker cluster (`stack.sh cluster env`) creates replicated topics.
      ...stackTopicSettings(),
      ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
      ...extra,
    }),
    database: () =>
      (database ??= createTestDatabase(stack.DATABASE_URL).then((db) => {
        databaseUrl = db.url;
        return db;
      })),
    async start(app) {
      // Registered first: an app that fails half-way through start() still gets stopped.
      cleanups.push(() => app.stop());
      await app.start();
      return app;
    },
    defer: (cleanup) => void cleanups.push(cleanup),
    stop: () => (stopping ??= teardown()),
  };
}

/**
 * Deletes every topic whose name starts with `prefix` (main, critical and delay lanes
 * alike, whatever the run created), then its consumer groups. Groups go best effort: one
 * still in use by a client the test forgot cannot be deleted, and it holds no data.
 */
async function deleteRunResources(kafka: Kafka, prefix: string): Promise<void> {
  if (prefix === '') throw new Error('a test run needs a non-empty prefix');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    const { groups } = await admin.listGroups();
    const mine = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (mine.length > 0) await admin.deleteGroups(mine).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
