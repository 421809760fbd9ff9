import { createEventDecoder, eventFromDecoded } from './event-decoder.js';
import { toPlain } from './to-plain.js';

class AvroLikeRecord {
  constructor(
    readonly specversion: string,
    readonly id: string,
    readonly source: string,
    readonly type: string,
    readonly time: string | null,
    readonly data: { orderId: bigint; blob: Buffer },
  ) {}
}

describe('eventFromDecoded', () => {
  it('structured: the decoded value is the envelope; null attributes count as absent', () => {
    const decoded = new AvroLikeRecord('1.0', 'e-1', 'shop', 'order.shipped', null, {
      orderId: 7n,
      blob: Buffer.from('hi'),
    });
    const result = eventFromDecoded({ value: Buffer.alloc(0) }, decoded);
    expect(result).toEqual({
      ok: true,
      mode: 'structured',
      event: {
        specversion: '1.0',
        id: 'e-1',
        source: 'shop',
        type: 'order.shipped',
        data: { orderId: 7, blob: 'aGk=' },
      },
    });
  });

  it('binary: attributes from ce_ headers, content-type as datacontenttype, decoded value as data', () => {
    const result = eventFromDecoded(
      {
        value: Buffer.alloc(0),
        headers: {
          ce_specversion: '1.0',
          ce_id: 'e-2',
          ce_source: 'shop',
          ce_type: 'order.paid',
          ce_tenantid: 'acme',
          'content-type': 'application/avro',
        },
      },
      { total: 12.5 },
    );
    expect(result).toEqual({
      ok: true,
      mode: 'binary',
      event: {
        specversion: '1.0',
        id: 'e-2',
        source: 'shop',
        type: 'order.paid',
        tenantid: 'acme',
        datacontenttype: 'application/avro',
        data: { total: 12.5 },
      },
    });
  });

  it('a decoded value that is no CloudEvent is HERALD_ERR_EVENT_INVALID', () => {
    const result = eventFromDecoded({ value: Buffer.alloc(0) }, { orderId: 1 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('HERALD_ERR_EVENT_INVALID');
  });
});

describe('createEventDecoder without a registry', () => {
  it('decodes JSON as before and rejects encoded records with HERALD_ERR_EVENT_SCHEMA_NO_REGISTRY', async () => {
    const json = Buffer.from(
      JSON.stringify({ specversion: '1.0', id: '1', source: 's', type: 't' }),
    );
    const [plain, encoded] = await createEventDecoder().decode([
      { value: json },
      { value: Buffer.from([0, 0, 0, 0, 3, 0x02]) },
    ]);
    expect(plain?.ok).toBe(true);
    expect(!encoded!.ok && encoded!.error.message).toBe(
      'HERALD_ERR_EVENT_SCHEMA_NO_REGISTRY: event is schema-registry encoded (schema id 3) but the router has no schema registry',
    );
  });
});

describe('createEventDecoder with a schema source', () => {
  it('asks for each schema id once per chunk, however many records carry it', async () => {
    const asked: number[] = [];
    const decoder = createEventDecoder({
      schema: async (id) => {
        asked.push(id);
        return undefined; // the registry has no such id
      },
    });
    const encoded = (id: number) => ({ value: Buffer.from([0, 0, 0, 0, id, 0x02]) });
    const results = await decoder.decode([encoded(7), encoded(7), encoded(9), encoded(7)]);
    expect(asked.sort()).toEqual([7, 9]);
    expect(results.map((r) => !r.ok && r.error.code)).toEqual([
      'HERALD_ERR_EVENT_SCHEMA_UNKNOWN',
      'HERALD_ERR_EVENT_SCHEMA_UNKNOWN',
      'HERALD_ERR_EVENT_SCHEMA_UNKNOWN',
      'HERALD_ERR_EVENT_SCHEMA_UNKNOWN',
    ]);
  });
});

describe('toPlain', () => {
  it('keeps unsafe 64-bit integers exact as strings and dates as ISO strings', () => {
    expect(toPlain({ big: 2n ** 60n, at: new Date('2026-01-02T03:04:05Z') })).toEqual({
      big: '1152921504606846976',
      at: '2026-01-02T03:04:05.000Z',
    });
  });
});
