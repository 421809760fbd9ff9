import type { Admin, Kafka } from 'kafkajs';
import { HeraldError, sleep } from '@herald/core';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config?: Readonly<Record<string, string>>;
}

/** How long start-up waits for its topics to be hosted before it gives up. */
export const TOPIC_READY_TIMEOUT_MS = 15_000;

/**
 * Creates the topics that do not exist yet, with the configured partition counts, and
 * waits until every topic of `specs` is ready: listed, a leader for each partition, and
 * that leader answering for it. Existing topics are left as they are (partition counts
 * are never changed behind an operator's back). Safe to run from several replicas at
 * once: a replica that finds a topic another one just created waits for it too,
 * instead of starting a consumer that fails with "This server does not host this
 * topic-partition". Throws HERALD_ERR_KAFKA_TOPIC naming the topics not ready within
 * `timeoutMs`.
 */
export async function ensureTopics(
  kafka: Kafka,
  specs: readonly TopicSpec[],
  timeoutMs = TOPIC_READY_TIMEOUT_MS,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    let createError: unknown;
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({
            topic: spec.topic,
            numPartitions: spec.partitions,
            replicationFactor: spec.replicationFactor,
            configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({
              name,
              value,
            })),
          })),
        });
      } catch (err) {
        // Another replica may have created them between listTopics and createTopics, or
        // the broker created them but answered before its metadata caught up (kafkajs
        // then reports "does not host this topic-partition"): the wait below decides.
        createError = err;
      }
    }
    const absent = await awaitReady(
      admin,
      specs.map((s) => s.topic),
      timeoutMs,
    );
    if (absent.length > 0) {
      const why =
        createError === undefined
          ? `no leader hosts every partition after ${timeoutMs} ms`
          : `not ready after ${timeoutMs} ms; creating it failed: ${(createError as Error).message}`;
      throw new HeraldError('HERALD_ERR_KAFKA_TOPIC', [absent.join(', '), why], {
        ...(createError === undefined ? {} : { cause: createError }),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Polls until every topic is listed, its metadata names a leader for each partition,
 * and the leaders answer an offsets request for it (metadata can name a leader a
 * moment before the leader hosts the partition), for up to `timeoutMs`. Returns the
 * topics still not ready (empty when all are).
 */
async function awaitReady(
  admin: Admin,
  topics: readonly string[],
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...new Set(topics)];
  for (;;) {
    const listed = new Set(await admin.listTopics());
    const candidates = pending.filter((t) => listed.has(t));
    const ready = new Set<string>();
    if (candidates.length > 0) {
      try {
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: candidates });
        const led = metadata
          .filter((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
          .map((t) => t.name);
        const answered = await Promise.all(
          led.map((topic) =>
            admin.fetchTopicOffsets(topic).then(
              () => topic,
              () => undefined,
            ),
          ),
        );
        for (const topic of answered) if (topic !== undefined) ready.add(topic);
      } catch {
        // Metadata not there yet: try again below.
      }
    }
    pending = pending.filter((t) => !ready.has(t));
    if (pending.length === 0 || Date.now() >= deadline) return pending;
    await sleep(200);
  }
}

/** Deletes topics (tests clean up their own). Missing topics are ignored. */
export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes every topic whose name starts with `prefix`: a test run's or a benchmark
 * run's own topics (main, critical and delay lanes alike), whatever it created.
 */
export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<void> {
  if (prefix === '')
    throw new Error('deleteTopicsWithPrefix needs a non-empty prefix; it would delete every topic');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}
