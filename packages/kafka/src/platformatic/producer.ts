import {
  compatibilityPartitioner,
  Producer,
  ProduceAcks,
  stringSerializer,
  type MessageToProduce,
  type Partitioner,
} from '@platformatic/kafka';
import type { OutputMessage } from '../output-message.js';
import { planRequests, type SendOptions } from '../send-outputs.js';
import { platformaticBase, type PlatformaticConnection } from './connection.js';

type Message = MessageToProduce<string, Buffer, string, string>;

/**
 * The partition of a keyed record as kafkajs' DefaultPartitioner and the Java client
 * pick it (murmur2 & 0x7fffffff), so one recipient's records land on the same
 * partition whichever client produced them (a rolling switch keeps their order);
 * keyless records go round robin, as kafkajs does (the library's own choice is partition 0).
 */
function keyPartitioner(): Partitioner<string, Buffer, string, string> {
  let next = 0;
  return (message, key) =>
    key ? compatibilityPartitioner(message, key) : (next = (next + 1) & 0x7fffffff);
}

/**
 * An idempotent @platformatic/kafka producer (acks from all in-sync replicas; the
 * library keeps one request in flight per broker for it) sending Herald outputs in the
 * requests `planRequests` makes, in order.
 */
export class PlatformaticProducer {
  readonly #producer: Producer<string, Buffer, string, string>;

  constructor(connection: PlatformaticConnection, role: string) {
    this.#producer = new Producer<string, Buffer, string, string>({
      ...platformaticBase(connection, role),
      idempotent: true,
      acks: ProduceAcks.ALL,
      partitioner: keyPartitioner(),
      serializers: {
        key: stringSerializer,
        headerKey: stringSerializer,
        headerValue: stringSerializer,
      },
    });
    // A failed send rejects its own promise (the caller retries the chunk); an 'error'
    // event the library emits besides must not end the process for want of a listener.
    this.#producer.on('error', () => {});
  }

  async send(outputs: readonly OutputMessage[], options: SendOptions = {}): Promise<void> {
    const compression = options.compression ?? 'none';
    for (const request of planRequests(outputs, options)) {
      // The headers object is handed over as it is, not copied: the (patched) client reads
      // it in place when it serializes the send (patches/README.md), and outputs are never
      // changed once made.
      const messages: Message[] = request.map((output) => {
        const message: Message = { topic: output.topic, value: output.value };
        if (output.key !== null) message.key = output.key;
        if (output.headers) message.headers = output.headers;
        return message;
      });
      await this.#producer.send({ messages, acks: ProduceAcks.ALL, compression });
    }
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}
