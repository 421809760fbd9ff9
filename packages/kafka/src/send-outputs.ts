import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import type { OutputMessage } from './output-message.js';

/**
 * Bytes per produce request. The broker refuses a record batch over
 * `message.max.bytes` (1 MiB by default) and never accepts it on retry, so one
 * oversized request would wedge a stage for ever; half of it leaves room for
 * headers and batch overhead.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** How produced record batches are compressed (`HERALD_KAFKA_COMPRESSION`). */
export type Compression = 'none' | 'gzip';

const codecs: Record<Compression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
};

function sizeOf(message: OutputMessage): number {
  let size = message.value.length + (message.key?.length ?? 0) + 64;
  for (const [name, value] of Object.entries(message.headers ?? {}))
    size += name.length + value.length;
  return size;
}

/**
 * Publishes messages with acks from all in-sync replicas, in as few requests as fit
 * under `maxRequestBytes`, in order. Resolves once every request is acknowledged.
 */
export async function sendOutputs(
  producer: Producer,
  outputs: readonly OutputMessage[],
  maxRequestBytes = MAX_REQUEST_BYTES,
  compression: Compression = 'none',
): Promise<void> {
  let request: OutputMessage[] = [];
  let bytes = 0;
  const flush = async () => {
    if (request.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const output of request) {
      const list = byTopic.get(output.topic) ?? [];
      list.push({
        key: output.key,
        value: output.value,
        ...(output.headers ? { headers: { ...output.headers } } : {}),
      });
      byTopic.set(output.topic, list);
    }
    await producer.sendBatch({
      acks: -1,
      compression: codecs[compression],
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    request = [];
    bytes = 0;
  };
  for (const output of outputs) {
    const size = sizeOf(output);
    if (bytes + size > maxRequestBytes) await flush();
    request.push(output);
    bytes += size;
  }
  await flush();
}
