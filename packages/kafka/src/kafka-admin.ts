import type { Admin, Kafka } from 'kafkajs';

/**
 * The Kafka client handle apps hold and pass back into this package (StageConsumer,
 * MessagePublisher, ensureTopics, kafkaAdmin, readTopic). Apps and other packages name
 * it by this type and never call the client library themselves, so the client can be
 * swapped inside packages/kafka alone (issue 19, item 2; eslint forbids importing
 * kafkajs elsewhere).
 */
export type KafkaClient = Kafka;

/** A partition's oldest kept offset and its end (the next offset to be written). */
export interface PartitionEnds {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/** A consumer group's committed offsets on one topic ('-1' for a partition with none). */
export interface GroupTopicOffsets {
  readonly topic: string;
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offset: string }>;
}

/** A consumer group as the coordinator describes it. */
export interface GroupSummary {
  readonly groupId: string;
  /** Stable, Empty, PreparingRebalance, Dead, … */
  readonly state: string;
  readonly members: number;
}

/**
 * The admin operations Herald uses outside the stage loop: topic listing, topic and
 * group offsets, group listing (`herald status`, `/v1/status`, dead letters). Not
 * connected when made: `connect()` first, `disconnect()` always (also after a failed
 * or timed-out connect).
 */
export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  topicOffsets(topic: string): Promise<PartitionEnds[]>;
  /** Without `topics`: every topic the group committed offsets on. */
  groupOffsets(groupId: string, topics?: readonly string[]): Promise<GroupTopicOffsets[]>;
  setGroupOffsets(
    groupId: string,
    topic: string,
    partitions: ReadonlyArray<{ readonly partition: number; readonly offset: string }>,
  ): Promise<void>;
  listGroups(): Promise<string[]>;
  describeGroups(groupIds: readonly string[]): Promise<GroupSummary[]>;
}

/** An admin client over `kafka`, not connected yet. */
export function kafkaAdmin(kafka: KafkaClient): KafkaAdmin {
  const admin: Admin = kafka.admin();
  return {
    connect: () => admin.connect(),
    disconnect: () => admin.disconnect(),
    listTopics: () => admin.listTopics(),
    topicOffsets: async (topic) =>
      (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({
        partition,
        low,
        high,
      })),
    groupOffsets: async (groupId, topics) =>
      (
        await (topics === undefined
          ? admin.fetchOffsets({ groupId })
          : admin.fetchOffsets({ groupId, topics: [...topics] }))
      ).map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map(({ partition, offset }) => ({ partition, offset })),
      })),
    setGroupOffsets: (groupId, topic, partitions) =>
      admin.setOffsets({ groupId, topic, partitions: [...partitions] }),
    listGroups: async () => (await admin.listGroups()).groups.map((g) => g.groupId),
    describeGroups: async (groupIds) =>
      (await admin.describeGroups([...groupIds])).groups.map((g) => ({
        groupId: g.groupId,
        state: g.state,
        members: g.members.length,
      })),
  };
}

/** Runs `body` with a connected admin client, disconnected afterwards whatever happens. */
export async function withKafkaAdmin<T>(
  kafka: KafkaClient,
  body: (admin: KafkaAdmin) => Promise<T>,
): Promise<T> {
  const admin = kafkaAdmin(kafka);
  await admin.connect();
  try {
    return await body(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The admin client an app keeps connected while it runs (`connectAdmin`): telemetry's
 * lag collector port (`LagAdmin`: committed and end offsets) and a broker check for
 * `/readyz`. Named here so apps see this package's type, not the client library's.
 */
export interface AppAdmin {
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
  }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
  fetchTopicOffsets(
    topic: string,
  ): Promise<Array<{ partition: number; high: string; low: string }>>;
  /** Resolves when the cluster answers a metadata request. */
  describeCluster(): Promise<unknown>;
  disconnect(): Promise<void>;
}
