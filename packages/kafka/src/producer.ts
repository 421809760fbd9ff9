import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { once } from '@herald/core';
import { MAX_REQUEST_BYTES, sendOutputs, type Compression } from './send-outputs.js';
import type { OutputMessage } from './output-message.js';

/**
 * A producer for edges that publish without consuming (the API, the CLI, tests).
 * `send` resolves once every in-sync replica has the messages.
 */
export class MessagePublisher {
  readonly #producer: Producer;
  readonly #compression: Compression;
  readonly start = once(() => this.#producer.connect());
  readonly stop = once(() => this.#producer.disconnect());

  constructor(kafka: Kafka, options: { readonly compression?: Compression } = {}) {
    // Named explicitly (it is kafkajs' default) so kafkajs does not warn that its default changed in v2.
    this.#producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.#compression = options.compression ?? 'none';
  }

  async send(messages: readonly OutputMessage[]): Promise<void> {
    await sendOutputs(this.#producer, messages, MAX_REQUEST_BYTES, this.#compression);
  }
}
