import { HeraldError } from '../errors.js';

/** A CloudEvents 1.0 attribute value as carried in JSON. */
export type CloudEventAttribute = string | number | boolean;

/**
 * A CloudEvents 1.0 event, flat as in the JSON format: context attributes and
 * extensions (e.g. `tenantid`, `severity`) side by side, `data` beside them.
 */
export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time?: string;
  readonly subject?: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  readonly data?: unknown;
  readonly [extension: string]: unknown;
}

/** The subset of a Kafka record Herald reads; kafkajs' `KafkaMessage` fits it. */
export interface KafkaRecordLike {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export type DecodeResult =
  | { readonly ok: true; readonly event: CloudEvent; readonly mode: 'structured' | 'binary' }
  | { readonly ok: false; readonly error: HeraldError };

const REQUIRED = ['id', 'source', 'type'] as const;
// Extension names: lower-case letters and digits (CloudEvents 1.0 §3.1.1).
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function invalid(reason: string): DecodeResult {
  return { ok: false, error: new HeraldError('HERALD_ERR_EVENT_INVALID', [reason]) };
}

/**
 * Checks a parsed object against CloudEvents 1.0 and returns it typed, or the first
 * problem found, phrased so a producer knows what to change.
 */
export function validateCloudEvent(candidate: unknown): DecodeResult {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    return invalid(
      `expected a JSON object, received ${Array.isArray(candidate) ? 'an array' : typeof candidate}`,
    );
  }
  const event = candidate as Record<string, unknown>;
  if (event.specversion !== '1.0') {
    return invalid(
      `"specversion" must be "1.0", received ${JSON.stringify(event.specversion) ?? 'nothing'}`,
    );
  }
  for (const name of REQUIRED) {
    const value = event[name];
    if (typeof value !== 'string' || value.length === 0) {
      return invalid(
        `"${name}" must be a non-empty string, received ${JSON.stringify(value) ?? 'nothing'}`,
      );
    }
  }
  if (event.time !== undefined && (typeof event.time !== 'string' || !RFC3339.test(event.time))) {
    return invalid(
      `"time" must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z, received ${JSON.stringify(event.time)}`,
    );
  }
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || name === 'data_base64') continue;
    if (!ATTRIBUTE_NAME.test(name)) {
      return invalid(`attribute name "${name}" must be 1-20 lower-case letters or digits`);
    }
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      return invalid(
        `attribute "${name}" must be a string, number or boolean, received ${typeof value}`,
      );
    }
  }
  if (typeof event.data_base64 === 'string') {
    const { data_base64: encoded, ...rest } = event;
    return {
      ok: true,
      mode: 'structured',
      event: {
        ...rest,
        data: decodeData(Buffer.from(encoded as string, 'base64'), rest.datacontenttype),
      } as CloudEvent,
    };
  }
  return { ok: true, mode: 'structured', event: event as CloudEvent };
}

function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function decodeData(value: Buffer | string, contentType: unknown): unknown {
  const text = value.toString();
  if (typeof contentType !== 'string' || /[/+]json(;|$)/i.test(contentType)) {
    return JSON.parse(text) as unknown;
  }
  return text;
}

/**
 * Decodes a Kafka record holding a CloudEvent, in either mode of the CloudEvents
 * Kafka protocol binding:
 * - structured: the value is the whole event as JSON (`content-type:
 *   application/cloudevents+json`, or no `ce_` headers at all);
 * - binary: attributes in `ce_*` headers, `content-type` as `datacontenttype`, the
 *   value is `data`.
 *
 * Never throws: a bad record comes back as `{ ok: false, error }` for the rejected topic.
 */
export function decodeCloudEvent(record: KafkaRecordLike): DecodeResult {
  const headers = record.headers ?? {};
  const contentType = headerText(headers['content-type']);
  const binary =
    headers.ce_specversion !== undefined && !contentType?.startsWith('application/cloudevents');
  if (record.value === null) {
    return {
      ok: false,
      error: new HeraldError('HERALD_ERR_EVENT_UNDECODABLE', [
        'the record has no value (tombstone)',
      ]),
    };
  }
  if (!binary) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.value.toString());
    } catch (err) {
      return {
        ok: false,
        error: new HeraldError('HERALD_ERR_EVENT_UNDECODABLE', [(err as Error).message]),
      };
    }
    return validateCloudEvent(parsed);
  }
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('ce_')) attributes[name.slice(3)] = headerText(value);
  }
  if (contentType !== undefined) attributes.datacontenttype = contentType;
  let data: unknown;
  try {
    data = record.value.length === 0 ? undefined : decodeData(record.value, contentType);
  } catch (err) {
    return {
      ok: false,
      error: new HeraldError('HERALD_ERR_EVENT_UNDECODABLE', [
        `binary-mode data: ${(err as Error).message}`,
      ]),
    };
  }
  const result = validateCloudEvent({ ...attributes, ...(data === undefined ? {} : { data }) });
  return result.ok ? { ...result, mode: 'binary' } : result;
}

/** Serialises an event in structured mode, the form Herald itself publishes. */
export function encodeCloudEvent(event: CloudEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

/** Headers Herald puts on every structured-mode CloudEvent it publishes. */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';
