import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { once } from '@herald/core';
import { sendOutputs, type Compression } from './send-outputs.js';
import type { OutputMessage } from './output-message.js';
import { platformaticOf } from './platformatic/connection.js';
import { PlatformaticProducer } from './platformatic/producer.js';

/**
 * A producer for edges that publish without consuming (the API, the CLI, tests).
 * `send` resolves once every in-sync replica has the messages.
 */
export class MessagePublisher {
  /** kafkajs' producer, or @platformatic/kafka's when the handle was made for it. */
  readonly #producer: Producer | PlatformaticProducer;
  readonly #compression: Compression;
  readonly #maxRecordBytes: number | undefined;
  // The platformatic producer connects on its first send.
  readonly start = once(async () => {
    if (!(this.#producer instanceof PlatformaticProducer)) await this.#producer.connect();
  });
  readonly stop = once(() =>
    this.#producer instanceof PlatformaticProducer
      ? this.#producer.close()
      : this.#producer.disconnect(),
  );

  constructor(
    kafka: Kafka,
    options: {
      readonly compression?: Compression;
      /** HERALD_KAFKA_MAX_RECORD_BYTES; default Kafka's 1 MiB. */
      readonly maxRecordBytes?: number;
    } = {},
  ) {
    const connection = platformaticOf(kafka);
    // Named explicitly (it is kafkajs' default) so kafkajs does not warn that its default changed in v2.
    this.#producer = connection
      ? new PlatformaticProducer(connection, 'publisher')
      : kafka.producer({
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
    const options = {
      compression: this.#compression,
      ...(this.#maxRecordBytes === undefined ? {} : { maxRecordBytes: this.#maxRecordBytes }),
    };
    if (this.#producer instanceof PlatformaticProducer)
      await this.#producer.send(messages, options);
    else await sendOutputs(this.#producer, messages, options);
  }
}
