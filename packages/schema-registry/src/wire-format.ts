/**
 * The Confluent wire format, as written by every Confluent-compatible serializer:
 * magic byte 0, the schema id as a 4-byte big-endian integer, then the encoded
 * payload. Protobuf payloads start with the message indexes (which message of the
 * .proto file), zig-zag varints: a count, then that many indexes; a single 0 byte
 * is the common case, the first message ([0]).
 */

/** A record value in the wire format, split into its parts. */
export interface WireRecord {
  readonly schemaId: number;
  /** Everything after the 5-byte header (for Protobuf, still with its message indexes). */
  readonly payload: Buffer;
}

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

/**
 * Splits a wire-format value, or returns undefined when the value is not in the wire
 * format. A JSON text never starts with a 0 byte, so plain JSON events and encoded
 * ones share the topic without ambiguity.
 *
 * @example
 * parseWireFormat(Buffer.from([0, 0, 0, 0, 7, 2, 104, 105])); // { schemaId: 7, payload: <02 68 69> }
 * parseWireFormat(Buffer.from('{"id":"1"}')); // undefined
 */
export function parseWireFormat(value: Buffer | string | null | undefined): WireRecord | undefined {
  if (!Buffer.isBuffer(value) || value.length < HEADER_BYTES || value[0] !== MAGIC_BYTE)
    return undefined;
  return { schemaId: value.readUInt32BE(1), payload: value.subarray(HEADER_BYTES) };
}

/** A Protobuf payload's message indexes and the message bytes after them. */
export interface ProtobufPayload {
  /** Path of the message in the .proto file: [0] the first top-level message, [1, 0] the first message nested in the second, … */
  readonly indexes: readonly number[];
  readonly message: Buffer;
}

/**
 * Reads the message indexes in front of a Protobuf payload; throws on a truncated
 * header. Some serializers (@kafkajs/confluent-schema-registry among them) write no
 * indexes at all. The two are told apart by the first byte: a Protobuf field tag is at
 * least 0x08 (field numbers start at 1), while an index count of 0 to 3 is 0x00 to
 * 0x06; so the first message is assumed when there are no indexes, and index paths
 * are at most 3 deep.
 */
export function readMessageIndexes(payload: Buffer): ProtobufPayload {
  if (payload.length === 0 || payload[0]! >= 0x08) return { indexes: [0], message: payload };
  let offset = 0;
  const next = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (offset >= payload.length) throw new Error('truncated Protobuf message indexes');
      const byte = payload[offset++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new Error('Protobuf message index varint is too long');
    }
    return (result >>> 1) ^ -(result & 1); // zig-zag
  };
  const count = next();
  if (count === 0) return { indexes: [0], message: payload.subarray(offset) };
  if (count < 0) throw new Error(`Protobuf message index count ${count} is negative`);
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const index = next();
    if (index < 0) throw new Error(`Protobuf message index ${index} is negative`);
    indexes.push(index);
  }
  return { indexes, message: payload.subarray(offset) };
}
