import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { once } from '@herald/core';
import { sendOutputs, type Compression } from './send-outputs.js';
import type { OutputMessage } from './output-message.js';

/**
 * A producer for edges that publish without consuming (the API, the CLI, tests).
 * `send` resolves once every in-sync replica has the messages.
 */
export class MessagePublisher {
  readonly #producer: Producer;
  readonly #compression: Compression;
  readonly #maxRecordBytes: number | undefined;
  readonly start = once(() => this.#producer.connect());
  readonly stop = once(() => this.#producer.disconnect());

  constructor(
    kafka: Kafka,
    options: {
      readonly compression?: Compression;
      /** HERALD_KAFKA_MAX_RECORD_BYTES; default Kafka's 1 MiB. */
      readonly maxRecordBytes?: number;
    } = {},
  ) {
    // Named explicitly (it is kafkajs' default) so kafkajs does not warn that its default changed in v2.
    this.#producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.#compression = options.compression ?? 'none';
    this.#maxRecordBytes = options.maxRecordBytes;
  }

  /**
   * Publishes the messages; a message over the record limit fails the call before
   * anything is sent (`HERALD_ERR_KAFKA_RECORD_TOO_LARGE`, see `checkRecordSize`).
   */
  async send(messages: readonly OutputMessage[]): Promise<void> {
    await sendOutputs(this.#producer, messages, {
      compression: this.#compression,
      ...(this.#maxRecordBytes === undefined ? {} : { maxRecordBytes: this.#maxRecordBytes }),
    });
  }
}
