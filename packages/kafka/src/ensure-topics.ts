import type { Admin, Kafka } from 'kafkajs';
import { HeraldError, sleep } from '@herald/core';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Creates the topics that do not exist yet, with the configured partition counts, and
 * waits until they have leaders. Existing topics are left as they are (partition
 * counts are never changed behind an operator's back). Safe to run from several
 * replicas at once.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) return;
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
      // then reports "does not host this topic-partition"): wait for the leaders.
      const absent = await awaitLeaders(
        admin,
        missing.map((s) => s.topic),
      );
      if (absent.length > 0) {
        throw new HeraldError(
          'HERALD_ERR_KAFKA_TOPIC',
          [absent.join(', '), (err as Error).message],
          { cause: err },
        );
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Polls metadata until every topic is listed with a leader on each partition, for up
 * to `timeoutMs`. Returns the topics still without one (empty when all are ready).
 */
async function awaitLeaders(
  admin: Admin,
  topics: readonly string[],
  timeoutMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...topics];
  for (;;) {
    const listed = new Set(await admin.listTopics());
    const candidates = pending.filter((t) => listed.has(t));
    const ready = new Set<string>();
    if (candidates.length > 0) {
      try {
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: candidates });
        for (const t of metadata)
          if (t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
            ready.add(t.name);
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
