import type { StatusEvent } from './status-event.js';

/**
 * The CloudEvents Kafka protocol binding's structured-mode content type. Without it a
 * CloudEvents SDK's Kafka binding does not recognise the record as an event at all.
 */
export const statusContentType = 'application/cloudevents+json; charset=UTF-8';

/** A status event as a Kafka record, without its topic (`herald.status` of the caller's prefix). */
export interface StatusMessage {
  /** The notification id: one notification's statuses stay in order on one partition. */
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** The W3C trace context headers a status record carries on. */
const traceHeaderNames = ['traceparent', 'tracestate'] as const;

/**
 * The one way a status event becomes a Kafka record, for every publisher (router,
 * worker, `herald dlq replay`, provider receipts): key = notification id, value = the
 * structured-mode CloudEvent, headers = `content-type` (CloudEvents Kafka binding) and
 * the trace context of `trace` (other headers of it are not copied). An event without
 * its own `traceparent` extension takes the one of `trace`, so a CloudEvents consumer
 * sees the same context as a Kafka one.
 *
 * @example
 * const { key, value, headers } = statusMessage(statusEventFor(job, 'sent', SOURCE, now), span.headers);
 * outputs.push({ topic: topics.status, key, value, headers });
 */
export function statusMessage(
  event: StatusEvent,
  trace: Readonly<Record<string, string | undefined>> = {},
): StatusMessage {
  const headers: Record<string, string> = {};
  for (const name of traceHeaderNames) {
    const value = trace[name];
    if (value !== undefined && value !== '') headers[name] = value;
  }
  if (headers.traceparent === undefined && event.traceparent !== undefined)
    headers.traceparent = event.traceparent;
  const withTrace =
    event.traceparent === undefined && headers.traceparent !== undefined
      ? { ...event, traceparent: headers.traceparent }
      : event;
  headers['content-type'] = statusContentType;
  return {
    key: event.data.notificationId,
    value: Buffer.from(JSON.stringify(withTrace)),
    headers,
  };
}
