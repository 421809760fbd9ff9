export { createEventDecoder, eventFromDecoded } from './event-decoder.js';
export type { EventDecoder } from './event-decoder.js';
export { RegistrySchemaSource } from './registry-schema-source.js';
export type {
  RegisteredSchema,
  SchemaRegistrySettings,
  SchemaSource,
} from './registry-schema-source.js';
export { parseWireFormat, readMessageIndexes } from './wire-format.js';
export type { ProtobufPayload, WireRecord } from './wire-format.js';
export { toPlain } from './to-plain.js';
