import { parseWireFormat, readMessageIndexes } from './wire-format.js';

describe('parseWireFormat', () => {
  it('splits magic byte, big-endian schema id and payload', () => {
    const wire = parseWireFormat(Buffer.from([0, 0, 1, 0, 7, 0xaa, 0xbb]));
    expect(wire?.schemaId).toBe(65_543);
    expect([...wire!.payload]).toEqual([0xaa, 0xbb]);
  });

  it('leaves JSON, short values, tombstones and strings alone', () => {
    expect(parseWireFormat(Buffer.from('{"specversion":"1.0"}'))).toBeUndefined();
    expect(parseWireFormat(Buffer.from([0, 0, 0, 1]))).toBeUndefined();
    expect(parseWireFormat(null)).toBeUndefined();
    expect(parseWireFormat('\u0000\u0000\u0000\u0000\u0001x')).toBeUndefined();
  });
});

describe('readMessageIndexes', () => {
  it('reads the single 0 byte as the first message', () => {
    const { indexes, message } = readMessageIndexes(Buffer.from([0, 0x0a, 0x01, 0x41]));
    expect(indexes).toEqual([0]);
    expect([...message]).toEqual([0x0a, 0x01, 0x41]);
  });

  it('reads a zig-zag count and indexes: [1, 0] is 04 02 00', () => {
    const { indexes, message } = readMessageIndexes(Buffer.from([0x04, 0x02, 0x00, 0x0a]));
    expect(indexes).toEqual([1, 0]);
    expect([...message]).toEqual([0x0a]);
  });

  it('takes a payload that starts with a field tag as the first message without indexes', () => {
    const payload = Buffer.from([0x0a, 0x01, 0x41]);
    expect(readMessageIndexes(payload)).toEqual({ indexes: [0], message: payload });
    expect(readMessageIndexes(Buffer.alloc(0)).indexes).toEqual([0]);
  });

  it('refuses a truncated index list', () => {
    expect(() => readMessageIndexes(Buffer.from([0x04, 0x02]))).toThrow(/truncated/);
  });
});
