/**
 * Property-based (fast-check) checks of the router's decoder over the Confluent wire
 * format: any bytes (a 0 magic byte, any schema id, any payload) or plain JSON, with any
 * headers, decode to an event or a refusal with a registry code; nothing throws, no
 * record is dropped (one answer per record, in order). The schema source is a port: it
 * knows id 1 (a payload decoder that throws on bytes that do not fit, as Avro's does)
 * and nothing else. Seeded; a failure prints its seed and path.
 */
import fc from 'fast-check';
import { errorCodes, HeraldError } from '@herald/core';
import { createEventDecoder } from './event-decoder.js';
import type { SchemaSource } from './registry-schema-source.js';
import { readMessageIndexes } from './wire-format.js';

const FUZZ = { seed: 18_2026, numRuns: 300 };

const schemas: SchemaSource = {
  schema: async (id) =>
    id === 1
      ? { id, type: 'JSON', decode: (payload) => JSON.parse(payload.toString('utf8')) as unknown }
      : undefined,
};
const wire = fc
  .tuple(
    fc.constantFrom(1, 2, 0xffffffff),
    fc.oneof(
      fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
    ),
  )
  .map(([id, payload]) => {
    const header = Buffer.alloc(5);
    header.writeUInt32BE(id, 1);
    return Buffer.concat([header, payload]);
  });
const value = fc.oneof(
  wire,
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
);
const headers = fc.dictionary(
  fc.constantFrom('ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'content-type', 'x'),
  fc.string({ maxLength: 20 }),
  { maxKeys: 5 },
);

it('decodes or refuses with a code every wire-format or plain record, one answer each', async () => {
  const decoder = createEventDecoder(schemas);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ value, headers }), { maxLength: 8 }), async (records) => {
      const results = await decoder.decode(records);
      expect(results).toHaveLength(records.length);
      for (const result of results) {
        if (result.ok) continue;
        expect(result.error).toBeInstanceOf(HeraldError);
        expect(Object.keys(errorCodes)).toContain(result.error.code);
      }
    }),
    FUZZ,
  );
});

it('reads Protobuf message indexes or refuses them with an Error, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      try {
        const { indexes, message } = readMessageIndexes(Buffer.from(bytes));
        expect(indexes.length).toBeGreaterThan(0);
        expect(message.length).toBeLessThanOrEqual(bytes.length);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/Protobuf message index/);
      }
    }),
    FUZZ,
  );
});
