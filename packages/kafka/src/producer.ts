import type { Kafka, Producer } from 'kafkajs';
import { once } from '@herald/core';
import { sendOutputs } from './send-outputs.js';
import type { OutputMessage } from './output-message.js';

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
    await sendOutputs(this.#producer, messages);
  }
}
