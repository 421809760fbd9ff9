import type { ConsumedRecord, OutputMessage } from '@herald/core';
import type { EventDecoder, RecordSpan, RoutingMetrics } from './ports.js';
import type { Routed } from './routed.js';

/**
 * Decodes a chunk: each record becomes a routed item, or a rejection through `reject`.
 * A registry that is down rejects the promise before anything is counted or
 * published; the stage consumer retries the whole chunk, so nothing is lost.
 */
export async function decodeChunk(
  records: readonly ConsumedRecord[],
  spans: readonly RecordSpan[],
  ports: { readonly decoder: EventDecoder; readonly metrics: RoutingMetrics },
  reject: (record: ConsumedRecord, code: string, reason: string, span: RecordSpan) => OutputMessage,
): Promise<{ items: Routed[]; rejected: OutputMessage[] }> {
  const results = await ports.decoder.decode(records);
  const items: Routed[] = [];
  const rejected: OutputMessage[] = [];
  records.forEach((record, n) => {
    const span = spans[n]!;
    const decoded = results[n]!;
    ports.metrics.consumed(decoded.ok ? decoded.mode : modeOf(record));
    if (!decoded.ok) {
      rejected.push(reject(record, decoded.error.code, decoded.error.message, span));
      return;
    }
    span.setEventId(decoded.event.id);
    const producedAt = new Date(record.timestamp).toISOString();
    items.push({
      record,
      // The event's own time when it has one; else when Kafka got it. Stable across
      // redeliveries, so every hop derives the same ids and partitions from it.
      event: decoded.event.time ? decoded.event : { ...decoded.event, time: producedAt },
      producedAt,
      headers: span.headers,
      duplicate: false,
      matches: [],
      tenants: new Map(),
      dropped: [],
    });
  });
  return { items, rejected };
}

/** The CloudEvents mode of a record that did not decode (for the consumed counter). */
function modeOf(record: ConsumedRecord): 'structured' | 'binary' {
  return record.headers.ce_specversion === undefined ? 'structured' : 'binary';
}
