import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import { DEFAULT_MAX_RECORD_BYTES } from '@herald/core';
import type { OutputMessage } from './output-message.js';
import { checkRecordSize, recordTooLarge } from './record-size.js';

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

export interface SendOptions {
  readonly maxRequestBytes?: number;
  readonly maxRecordBytes?: number;
  readonly compression?: Compression;
}

/**
 * Splits outputs into produce requests, in order, each under `maxRequestBytes` (and
 * under `maxRecordBytes`: a client puts a request's records for one partition into one
 * batch, which the broker measures whole). A message over `maxRecordBytes` fails the
 * call before anything is sent (`HERALD_ERR_KAFKA_RECORD_TOO_LARGE`): the broker would
 * refuse it on every try. Shared by both clients.
 */
export function planRequests(
  outputs: readonly OutputMessage[],
  options: SendOptions = {},
): OutputMessage[][] {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const budget = Math.min(options.maxRequestBytes ?? MAX_REQUEST_BYTES, maxRecordBytes);
  const sizes = outputs.map((output) => {
    const { fits, bytes } = checkRecordSize(output, maxRecordBytes);
    if (!fits) throw recordTooLarge(output.topic, bytes, maxRecordBytes);
    return bytes;
  });
  const requests: OutputMessage[][] = [];
  let request: OutputMessage[] = [];
  let bytes = 0;
  for (const [n, output] of outputs.entries()) {
    const size = sizes[n]!;
    if (bytes + size > budget && request.length > 0) {
      requests.push(request);
      request = [];
      bytes = 0;
    }
    request.push(output);
    bytes += size;
  }
  if (request.length > 0) requests.push(request);
  return requests;
}

/**
 * Publishes messages with acks from all in-sync replicas (kafkajs), in the requests
 * `planRequests` makes, in order. Resolves once every request is acknowledged.
 */
export async function sendOutputs(
  producer: Producer,
  outputs: readonly OutputMessage[],
  options: SendOptions = {},
): Promise<void> {
  for (const request of planRequests(outputs, options)) {
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
      compression: codecs[options.compression ?? 'none'],
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
