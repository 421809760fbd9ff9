import { HeraldError } from '@herald/core';
import type { OutputMessage } from './output-message.js';

/**
 * Framing of a Kafka record batch (format v2) before its first record: base offset,
 * length, leader epoch, magic, CRC, attributes, last offset delta, two timestamps,
 * producer id and epoch, base sequence, record count. The broker compares the whole
 * batch with the topic's `max.message.bytes`.
 */
export const RECORD_BATCH_OVERHEAD = 61;

/** Bytes of a zigzag varint holding `n` (Kafka's record field lengths). */
function varintBytes(n: number): number {
  let zigzag = n >= 0 ? n * 2 : -n * 2 - 1;
  let bytes = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 0x80);
    bytes++;
  }
  return bytes;
}

const field = (bytes: number) => varintBytes(bytes) + bytes;

/**
 * The size of a record batch holding only `message`, uncompressed: what the broker
 * measures against `max.message.bytes` (compression only makes it smaller). The
 * timestamp and offset deltas are counted at their widest, so this is never below the
 * real size.
 */
export function recordBytes(message: Pick<OutputMessage, 'key' | 'value' | 'headers'>): number {
  const headers = Object.entries(message.headers ?? {});
  let body =
    1 + // attributes
    10 + // timestamp delta (varlong, at most 10 bytes)
    5 + // offset delta
    (message.key === null ? 1 : field(Buffer.byteLength(message.key))) +
    field(message.value.length) +
    varintBytes(headers.length);
  for (const [name, value] of headers)
    body += field(Buffer.byteLength(name)) + field(Buffer.byteLength(value));
  return RECORD_BATCH_OVERHEAD + varintBytes(body) + body;
}

/** The error for a record over the limit (`HERALD_ERR_KAFKA_RECORD_TOO_LARGE`). */
export function recordTooLarge(topic: string, bytes: number, maxRecordBytes: number): HeraldError {
  return new HeraldError('HERALD_ERR_KAFKA_RECORD_TOO_LARGE', [topic, bytes, maxRecordBytes]);
}

/**
 * The one size check every stage makes before producing: the record's size, and whether
 * it fits under `maxRecordBytes` (HERALD_KAFKA_MAX_RECORD_BYTES). A record over it is
 * refused by the broker on every try, so it must never reach the producer.
 */
export function checkRecordSize(
  message: Pick<OutputMessage, 'key' | 'value' | 'headers'>,
  maxRecordBytes: number,
): { readonly fits: boolean; readonly bytes: number } {
  const bytes = recordBytes(message);
  return { fits: bytes <= maxRecordBytes, bytes };
}

/**
 * `message` when it fits under `maxRecordBytes`; else a reference in its place: the
 * same topic and key (cut to 1 KiB), no value, and `referenceHeaders` (default: the
 * message's own) plus `<prefix>-truncated: value` and `<prefix>-original-bytes`. For
 * copies of a consumed record (rejected events, raw dead letters) whose own headers
 * say where the original is; such a copy must never be what wedges a stage.
 */
export function fitOrReference(
  message: OutputMessage,
  maxRecordBytes: number,
  prefix: 'herald-dlq' | 'herald-reject',
  referenceHeaders: Readonly<Record<string, string>> = message.headers ?? {},
): OutputMessage {
  const { fits, bytes } = checkRecordSize(message, maxRecordBytes);
  if (fits) return message;
  return {
    topic: message.topic,
    key: message.key === null ? null : message.key.slice(0, 1_024),
    value: Buffer.alloc(0),
    headers: {
      ...referenceHeaders,
      [`${prefix}-truncated`]: 'value',
      [`${prefix}-original-bytes`]: String(bytes),
    },
  };
}
