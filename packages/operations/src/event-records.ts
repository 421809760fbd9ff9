import {
  STRUCTURED_CONTENT_TYPE,
  validateCloudEvent,
  type CloudEvent,
  type ErrorCode,
} from '@herald/core';
import { checkRecordSize, recordTooLarge, type OutputMessage } from '@herald/kafka';

/**
 * The Kafka record of an event on herald.events: structured mode (the whole event as
 * JSON) by default, binary mode (attributes as `ce_` headers, data as the value) on
 * request. Key = the event id unless given. `herald produce` and `POST /v1/events`
 * both publish through this.
 */
export function eventRecord(
  topic: string,
  event: CloudEvent,
  options: { readonly key?: string; readonly binary?: boolean } = {},
): OutputMessage {
  const key = options.key ?? event.id;
  if (!options.binary) {
    return {
      topic,
      key,
      value: Buffer.from(JSON.stringify(event)),
      headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
    };
  }
  const { data, datacontenttype, ...attributes } = event;
  const headers: Record<string, string> = { 'content-type': datacontenttype ?? 'application/json' };
  for (const [name, value] of Object.entries(attributes)) headers[`ce_${name}`] = String(value);
  return { topic, key, value: Buffer.from(JSON.stringify(data ?? null)), headers };
}

/** What became of one event of a request. */
export type EventVerdict =
  | { readonly index: number; readonly id: string; readonly status: 'accepted' }
  | {
      readonly index: number;
      readonly id?: string;
      readonly status: 'rejected';
      /** The router's code for the same problem (HERALD_ERR_EVENT_INVALID, …). */
      readonly code: ErrorCode;
      readonly message: string;
    };

/**
 * Checks events the way the router will (core's `validateCloudEvent`, so a producer
 * gets the code the router would have used, synchronously instead of on
 * herald.events.rejected), pins them to `tenant` and sizes their records. Events of
 * another tenant are refused, never re-labelled: a key of one tenant must not be able
 * to publish for another. Returns one verdict per candidate, in order, and the records
 * of the accepted ones.
 */
export function acceptEvents(
  candidates: readonly unknown[],
  options: {
    readonly topic: string;
    readonly tenant: string;
    readonly maxRecordBytes: number;
    /** The time given to events without one (the router would use the Kafka timestamp). */
    readonly now: Date;
  },
): { verdicts: EventVerdict[]; records: OutputMessage[] } {
  const verdicts: EventVerdict[] = [];
  const records: OutputMessage[] = [];
  candidates.forEach((candidate, index) => {
    const result = validateCloudEvent(candidate);
    if (!result.ok) {
      const id = (candidate as { id?: unknown } | null)?.id;
      verdicts.push({
        index,
        ...(typeof id === 'string' ? { id } : {}),
        status: 'rejected',
        code: result.error.code,
        message: result.error.message,
      });
      return;
    }
    const event = result.event;
    if (event.tenantid !== undefined && event.tenantid !== options.tenant) {
      verdicts.push({
        index,
        id: event.id,
        status: 'rejected',
        code: 'HERALD_ERR_EVENT_TENANT',
        message: `HERALD_ERR_EVENT_TENANT: "tenantid" is ${JSON.stringify(event.tenantid)}, the key belongs to "${options.tenant}": leave it out or set it to "${options.tenant}"`,
      });
      return;
    }
    const record = eventRecord(options.topic, {
      ...event,
      tenantid: options.tenant,
      time: event.time ?? options.now.toISOString(),
    });
    const size = checkRecordSize(record, options.maxRecordBytes);
    if (!size.fits) {
      const err = recordTooLarge(options.topic, size.bytes, options.maxRecordBytes);
      verdicts.push({
        index,
        id: event.id,
        status: 'rejected',
        code: err.code,
        message: err.message,
      });
      return;
    }
    records.push(record);
    verdicts.push({ index, id: event.id, status: 'accepted' });
  });
  return { verdicts, records };
}
