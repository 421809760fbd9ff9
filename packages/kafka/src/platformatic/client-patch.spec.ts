/**
 * Herald's patch of @platformatic/kafka 2.12.1 (patches/@platformatic+kafka+2.12.1.patch,
 * patches/README.md): a batch's records encoded into one Buffer and decoded from one with
 * plain offsets, the CRC32C continued across a DynamicBuffer's parts, murmur2 in 32-bit
 * integer arithmetic. The wire bytes must not change; the structural checks fail without
 * the patch (records in ~20 Buffers each, a varint read through the DynamicBuffer per
 * field, a concatenation before every CRC). Kafka itself checks the bytes in
 * test/stage-consumer*.test.ts and test/compression.test.ts. The round-6 part (per-message
 * objects of the consumer and the producer) needs a broker to be seen at all: it is
 * checked in test/client-patch-messages.test.ts; its record decoder change (no closures
 * per record) is covered by the decoding checks below.
 */
import {
  createRecord,
  createRecordsBatch,
  crc32c,
  jsCRC32C,
  murmur2,
  Reader,
  readRecordsBatches,
  Writer,
  type MessageRecord,
} from '@platformatic/kafka';

const FIRST = 1_765_000_000_000n;

/** 500 records as a Herald stage produces them (600-byte values, a key, 3 headers), plus odd ones. */
function records(count = 500, far = 2n ** 30n + 5n): MessageRecord[] {
  return Array.from({ length: count }, (_, i): MessageRecord => {
    const headers = new Map<Buffer, Buffer>([
      [Buffer.from('ce_id'), Buffer.from(`evt-${i}`)],
      [Buffer.from('ce_type'), Buffer.from('bench.hop')],
      [Buffer.from('traceparent'), Buffer.from(`00-${i.toString(16).padStart(32, '0')}-01`)],
    ]);
    const odd = i % 50;
    return {
      topic: 't',
      partition: 0,
      // null, empty and non-ASCII keys; an empty value; a record without headers
      ...(odd === 1 ? {} : { key: Buffer.from(odd === 2 ? '' : `recipient-${i % 1000}-é`) }),
      value: odd === 3 ? Buffer.alloc(0) : Buffer.alloc(600, 97 + (i % 26)),
      ...(odd === 4 ? {} : { headers }),
      // deltas 0 and up, one negative, one `far` (past 30 bits: the BigInt path)
      timestamp: odd === 5 ? FIRST - 7_000n : odd === 6 ? FIRST + far : FIRST + BigInt(i),
    };
  });
}

/** The batch's bytes split into parts, as socket reads arrive. */
function inParts(bytes: Buffer, size = 997): Reader {
  const writer = Writer.create();
  for (let at = 0; at < bytes.length; at += size) writer.append(bytes.subarray(at, at + size));
  return Reader.from(writer);
}

describe('@platformatic/kafka patch: record batches', () => {
  it('encodes the records into one Buffer whose bytes are createRecord’s, record by record', () => {
    // 2^40 ms: past 31 bits, where the library's 64-bit zigzag (`>> 31n`, upstream) is
    // off; the patch writes what createRecord writes, whatever that is.
    const input = records(500, 2n ** 40n);
    const batch = createRecordsBatch(input, { producerId: 7n, producerEpoch: 0 });
    // Header fields, then one records buffer: not ~20 Buffers per record.
    expect(batch.buffers.length).toBeLessThan(20);
    const expected = Buffer.concat(input.map((m, i) => createRecord(m, i, FIRST).buffer));
    const bytes = batch.buffer;
    expect(bytes.subarray(bytes.length - expected.length).equals(expected)).toBe(true);
    // The batch's CRC32C (after firstOffset, length, leader epoch and magic) covers the rest.
    expect(bytes.readUInt32BE(17)).toBe(jsCRC32C(bytes.subarray(21)));
  });

  // 997-byte parts: most records straddle two; 13-byte parts: length prefixes straddle too.
  it.each([997, 13])(
    'decodes records over %i-byte socket chunks without a DynamicBuffer read per field',
    (size) => {
      const input = records();
      const reader = inParts(
        createRecordsBatch(input, { producerId: 7n, producerEpoch: 0 }).buffer,
        size,
      );
      let varIntReads = 0;
      const dynamic = reader.buffer;
      const read = dynamic.readUnsignedVarInt.bind(dynamic);
      dynamic.readUnsignedVarInt = (offset: number) => {
        varIntReads++;
        return read(offset);
      };
      const [batch, ...rest] = readRecordsBatches(reader);
      expect(rest).toHaveLength(0);
      expect(varIntReads).toBeLessThan(10);
      expect(batch!.records).toHaveLength(input.length);
      const same = (a: Buffer | null | undefined, b: Buffer | null | undefined) =>
        a == null || b == null ? a == b : a.equals(b);
      const wrong = batch!.records.filter((record, i) => {
        const m = input[i]!;
        const headers = [...(m.headers ?? [])];
        return (
          record.offsetDelta !== i ||
          FIRST + record.timestampDelta !== m.timestamp ||
          !same(record.key, m.key) ||
          !same(record.value, m.value) ||
          record.headers.length !== headers.length ||
          record.headers.some(([k, v], h) => !same(k, headers[h]![0]) || !same(v, headers[h]![1]))
        );
      });
      expect(wrong).toEqual([]);
    },
  );

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('round-trips a %s batch', (compression) => {
    const input = records(60);
    const bytes = createRecordsBatch(input, {
      producerId: 7n,
      producerEpoch: 0,
      compression,
    }).buffer;
    const [batch] = readRecordsBatches(inParts(bytes));
    expect(batch!.records.map((r) => r.value)).toEqual(input.map((m) => m.value));
  });

  it('refuses a record that runs past its batch', () => {
    const bytes = Buffer.from(
      createRecordsBatch(records(2), { producerId: 7n, producerEpoch: 0 }).buffer,
    );
    // Claim one more record than the batch holds: the third runs off the end.
    bytes.writeInt32BE(bytes.readInt32BE(57) + 1, 57);
    expect(() => readRecordsBatches(inParts(bytes))).toThrow('Out of bounds.');
  });
});

describe('@platformatic/kafka patch: checksums and key hashes', () => {
  it('continues the CRC32C across a DynamicBuffer’s parts instead of concatenating them', () => {
    const writer = Writer.create()
      .append(Buffer.from('record '))
      .append(Buffer.alloc(3000, 7))
      .append(Buffer.from('batch'));
    const whole = Buffer.concat(writer.buffers);
    Object.defineProperty(writer.dynamicBuffer, 'buffer', {
      get: () => {
        throw new Error('concatenated');
      },
    });
    expect(crc32c(writer.dynamicBuffer)).toBe(jsCRC32C(whole));
    expect(crc32c(whole)).toBe(jsCRC32C(whole));
  });

  it('hashes keys as the Java client does (its murmur2 test vectors)', () => {
    const vectors: Record<string, number> = {
      '21': -973932308,
      foobar: -790332482,
      'a-little-bit-long-string': -985981536,
      'a-little-bit-longer-string': -1486304829,
      lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
      abc: 479470107,
    };
    for (const [key, hash] of Object.entries(vectors)) {
      expect(murmur2(Buffer.from(key))).toBe(hash);
      expect(murmur2(key, true)).toBe(hash);
    }
    expect(murmur2(Buffer.alloc(0))).toBe(275646681);
  });
});
