import type { Kafka, Producer } from 'kafkajs';
import { once } from '@herald/core';
import type { OutputMessage } from './stage-consumer.js';

/**
 * A producer for edges that publish without consuming (the API, the CLI, tests).
 * `send` resolves once every in-sync replica has the messages.
 */
export class MessagePublisher {
  readonly #producer: Producer;
  readonly start = once(() => this.#producer.connect());
  readonly stop = once(() => this.#producer.disconnect());

  constructor(kafka: Kafka) {
    this.#producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  async send(messages: readonly OutputMessage[]): Promise<void> {
    const byTopic = new Map<string, OutputMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    await this.#producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({
          key: m.key,
          value: m.value,
          ...(m.headers ? { headers: { ...m.headers } } : {}),
        })),
      })),
    });
  }
}
