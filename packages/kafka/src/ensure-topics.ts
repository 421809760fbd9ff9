import type { Kafka } from 'kafkajs';
import { HeraldError } from '@herald/core';

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
      // Another replica may have created them between listTopics and createTopics.
      const now = new Set(await admin.listTopics());
      const absent = missing.filter((spec) => !now.has(spec.topic)).map((s) => s.topic);
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
