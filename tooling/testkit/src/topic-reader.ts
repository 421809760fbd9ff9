import type { Kafka } from 'kafkajs';
import { expectValidStatusRecord } from './status-schema.js';

/** One record a {@link TopicReader} read, headers as strings. */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** When the producer (or broker) stamped it, ms since the epoch. */
  readonly timestamp: number;
}

/** The least every status event has; tests pass core's `StatusEvent` as the type. */
export interface StatusShape {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly data: { readonly state: string; readonly attempt: number };
}

export interface TopicReader<S = StatusShape> {
  /**
   * Every record read so far, in arrival order. Throws once any status record failed
   * its contract, so a test cannot look at statuses that were not validated.
   */
  readonly records: readonly ReadRecord[];
  /** The status events (records of a `…herald.status` topic) read so far, validated. Throws likewise. */
  readonly statuses: readonly S[];
  /** Disconnects; throws the contract failures seen, if any. */
  stop(): Promise<void>;
}

export interface ReadTopicsOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Called for each record after validation (the record is kept either way). */
  readonly onRecord?: (record: ReadRecord) => void;
}

/** Whether a topic is a herald.status topic, whatever the prefix. */
export const isStatusTopic = (topic: string): boolean => topic.endsWith('herald.status');

/**
 * Reads topics from the beginning into memory, the way tests watch what Herald
 * published. Every record of a herald.status topic goes through
 * `expectValidStatusRecord` (the published JSON Schema and the CloudEvents Kafka
 * binding): tests that read statuses through this reader cannot skip the check.
 *
 * @example
 * const reader = await readTopics<StatusEvent>(run.kafka, { groupId: `${prefix}reader`, topics: [topics.status] });
 * run.defer(() => reader.stop());
 * await waitFor('sent', () => reader.statuses.some((s) => s.data.state === 'sent'));
 */
export async function readTopics<S = StatusShape>(
  kafka: Kafka,
  options: ReadTopicsOptions,
): Promise<TopicReader<S>> {
  const records: ReadRecord[] = [];
  const statuses: S[] = [];
  const problems: Error[] = [];
  const consumer = kafka.consumer({ groupId: options.groupId });
  const check = () => {
    if (problems.length === 1) throw problems[0]!;
    if (problems.length > 1)
      throw new AggregateError(problems, `${problems.length} status records broke the contract`);
  };
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(value) ? value[0] : value;
          if (first !== undefined) headers[name] = first.toString();
        }
        const record: ReadRecord = {
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value ?? Buffer.alloc(0),
          headers,
          timestamp: Number(message.timestamp),
        };
        if (isStatusTopic(topic)) {
          try {
            statuses.push(expectValidStatusRecord(record) as S);
          } catch (err) {
            problems.push(err as Error);
          }
        }
        records.push(record);
        options.onRecord?.(record);
      },
    });
  } catch (err) {
    await consumer.disconnect();
    throw err;
  }
  return {
    get records() {
      check();
      return records;
    },
    get statuses() {
      check();
      return statuses;
    },
    async stop() {
      await consumer.disconnect();
      check();
    },
  };
}
