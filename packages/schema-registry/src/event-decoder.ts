import {
  decodeCloudEvent,
  HeraldError,
  validateCloudEvent,
  type DecodeResult,
  type KafkaRecordLike,
} from '@herald/core';
import type { RegisteredSchema, SchemaSource } from './registry-schema-source.js';
import { toPlain } from './to-plain.js';
import { parseWireFormat, type WireRecord } from './wire-format.js';

/** Decodes the records of a chunk into CloudEvents, JSON or schema-registry encoded. */
export interface EventDecoder {
  /**
   * One result per record, in order. Bad input is a `{ ok: false }` result, never a
   * throw; the promise rejects only with `HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE`
   * (the registry could not be asked), so the caller retries the whole chunk.
   */
  decode(records: readonly KafkaRecordLike[]): Promise<DecodeResult[]>;
}

function failure(error: HeraldError): DecodeResult {
  return { ok: false, error };
}

function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/**
 * The CloudEvent a decoded wire-format record stands for, following the CloudEvents
 * Kafka binding's two modes:
 * - binary (`ce_specversion` header, no `application/cloudevents…` content type):
 *   attributes from the `ce_*` headers, `content-type` as `datacontenttype`, the
 *   decoded value as `data`;
 * - structured (anything else): the decoded value is the whole event; attributes
 *   that decoded to null (an Avro `["null", "string"]` union left empty, say) count
 *   as absent, as in the CloudEvents JSON format.
 */
export function eventFromDecoded(record: KafkaRecordLike, decoded: unknown): DecodeResult {
  const headers = record.headers ?? {};
  const contentType = headerText(headers['content-type']);
  const binary =
    headers.ce_specversion !== undefined && !contentType?.startsWith('application/cloudevents');
  const value = toPlain(decoded);
  if (binary) {
    const attributes: Record<string, unknown> = {};
    for (const [name, header] of Object.entries(headers)) {
      if (name.startsWith('ce_')) attributes[name.slice(3)] = headerText(header);
    }
    if (contentType !== undefined) attributes.datacontenttype = contentType;
    const result = validateCloudEvent({ ...attributes, data: value });
    return result.ok ? { ...result, mode: 'binary' } : result;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return validateCloudEvent(value);
  const envelope = Object.fromEntries(
    Object.entries(value).filter(([name, v]) => name === 'data' || v !== null),
  );
  return validateCloudEvent(envelope);
}

/**
 * The router's event decoder. Records in the Confluent wire format (magic byte 0)
 * are decoded with their schema from `schemas`; everything else goes through
 * `decodeCloudEvent` (JSON, structured or binary) exactly as without a registry.
 * Without `schemas`, an encoded record is rejected with
 * `HERALD_ERR_EVENT_SCHEMA_NO_REGISTRY` instead of a confusing JSON error.
 *
 * @example
 * const decoder = createEventDecoder(new RegistrySchemaSource({ url }));
 * const [result] = await decoder.decode([record]);
 * if (result.ok) route(result.event); else reject(result.error.code);
 */
export function createEventDecoder(schemas?: SchemaSource): EventDecoder {
  async function decodeWire(
    record: KafkaRecordLike,
    wire: WireRecord,
    lookup: (id: number) => Promise<RegisteredSchema | undefined>,
  ): Promise<DecodeResult> {
    if (schemas === undefined)
      return failure(new HeraldError('HERALD_ERR_EVENT_SCHEMA_NO_REGISTRY', [wire.schemaId]));
    const schema = await lookup(wire.schemaId); // throws: registry down
    if (schema === undefined)
      return failure(new HeraldError('HERALD_ERR_EVENT_SCHEMA_UNKNOWN', [wire.schemaId]));
    let decoded: unknown;
    try {
      decoded = schema.decode(wire.payload);
    } catch (err) {
      return failure(
        new HeraldError('HERALD_ERR_EVENT_SCHEMA_DECODE', [
          wire.schemaId,
          `${schema.type}: ${(err as Error).message}`,
        ]),
      );
    }
    return eventFromDecoded(record, decoded);
  }

  return {
    async decode(records) {
      // One lookup per schema id and chunk: an id the registry does not know is asked
      // (and checked with a ping) once, not once per record carrying it.
      const lookups = new Map<number, Promise<RegisteredSchema | undefined>>();
      const lookup = (id: number) => {
        let found = lookups.get(id);
        if (found === undefined) lookups.set(id, (found = schemas!.schema(id)));
        return found;
      };
      const results: (DecodeResult | Promise<DecodeResult>)[] = records.map((record) => {
        const wire = parseWireFormat(record.value);
        return wire === undefined ? decodeCloudEvent(record) : decodeWire(record, wire, lookup);
      });
      return Promise.all(results);
    },
  };
}
