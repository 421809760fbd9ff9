import type { KafkaClient } from './kafka-admin.js';

/** One record as a reader outside the stage loop sees it. */
export interface TopicRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  /** Broker timestamp, ms since epoch, as a string. */
  readonly timestamp: string;
}

export interface ReadTopicOptions {
  readonly topic: string;
  /** A throw-away group of the caller's: reading never moves a real group's offsets. */
  readonly groupId: string;
  readonly fromBeginning: boolean;
  /** Called once per record, in order within a partition. */
  readonly onRecord: (record: TopicRecord) => void | Promise<void>;
  /** Reading stops when this settles (the caller decides: enough records, a signal). */
  readonly until: Promise<void>;
}

/**
 * Reads `topic` with a consumer of its own until `until` settles, then disconnects
 * (`herald tail`, dead-letter listing). Commits nothing the caller relies on.
 */
export async function readTopic(kafka: KafkaClient, options: ReadTopicOptions): Promise<void> {
  const consumer = kafka.consumer({ groupId: options.groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        await options.onRecord({
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          timestamp: message.timestamp,
        });
      },
    });
    await options.until;
  } finally {
    await consumer.disconnect();
  }
}
