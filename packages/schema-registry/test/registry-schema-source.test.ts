import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { isHeraldError } from '@herald/core';
import { uniquePrefix } from '@herald/testkit';
import { createEventDecoder, RegistrySchemaSource } from '@herald/schema-registry';
import { deleteSubjects, schemaRegistryUrl } from './registry-url.js';

const prefix = uniquePrefix();
let url: string;
let producer: SchemaRegistry;

const avroEnvelope = JSON.stringify({
  type: 'record',
  name: 'OrderEvent',
  namespace: 'test.herald',
  fields: [
    { name: 'specversion', type: 'string' },
    { name: 'id', type: 'string' },
    { name: 'source', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'time', type: ['null', 'string'], default: null },
    { name: 'tenantid', type: ['null', 'string'], default: null },
    {
      name: 'data',
      type: {
        type: 'record',
        name: 'Order',
        fields: [
          { name: 'orderId', type: 'long' },
          { name: 'total', type: 'double' },
        ],
      },
    },
  ],
});

const proto = `syntax = "proto3";
package test.herald;
message OrderEvent {
  string specversion = 1;
  string id = 2;
  string source = 3;
  string type = 4;
  Order data = 5;
}
message Order {
  int64 order_id = 1;
  string customer = 2;
}`;

beforeAll(async () => {
  url = await schemaRegistryUrl();
  // Producing side; the library's ajv refuses "format" without these (the router passes them too).
  producer = new SchemaRegistry({ host: url }, {
    [SchemaType.JSON]: { strict: false, validateFormats: false },
  } as never);
});

afterAll(() => deleteSubjects(url, prefix));

const event = (id: string) => ({
  specversion: '1.0',
  id,
  source: 'test/shop',
  type: 'order.shipped',
});

describe('RegistrySchemaSource and createEventDecoder against a real registry', () => {
  it('decodes an Avro envelope (structured mode)', async () => {
    const { id } = await producer.register(
      { type: SchemaType.AVRO, schema: avroEnvelope },
      { subject: `${prefix}avro-value` },
    );
    const value = await producer.encode(id, {
      ...event('avro-1'),
      time: null,
      tenantid: 'acme',
      data: { orderId: 42, total: 9.5 },
    });
    const [result] = await createEventDecoder(new RegistrySchemaSource({ url })).decode([
      { value },
    ]);
    expect(result).toEqual({
      ok: true,
      mode: 'structured',
      event: { ...event('avro-1'), tenantid: 'acme', data: { orderId: 42, total: 9.5 } },
    });
  });

  it('decodes a JSON Schema value as binary-mode data and refuses one that breaks its schema', async () => {
    const schema = JSON.stringify({
      type: 'object',
      properties: { orderId: { type: 'integer' }, at: { type: 'string', format: 'date-time' } },
      required: ['orderId'],
    });
    const { id } = await producer.register(
      { type: SchemaType.JSON, schema },
      { subject: `${prefix}json-value` },
    );
    const headers = {
      ce_specversion: '1.0',
      ce_id: 'json-1',
      ce_source: 'test/shop',
      ce_type: 'order.paid',
      'content-type': 'application/json',
    };
    const good = await producer.encode(id, { orderId: 7, at: '2026-01-01T00:00:00Z' });
    const bad = Buffer.concat([good.subarray(0, 5), Buffer.from('{"orderId":"seven"}')]);
    const [ok, refused] = await createEventDecoder(new RegistrySchemaSource({ url })).decode([
      { value: good, headers },
      { value: bad, headers },
    ]);
    expect(ok).toEqual({
      ok: true,
      mode: 'binary',
      event: {
        specversion: '1.0',
        id: 'json-1',
        source: 'test/shop',
        type: 'order.paid',
        datacontenttype: 'application/json',
        data: { orderId: 7, at: '2026-01-01T00:00:00Z' },
      },
    });
    expect(!refused!.ok && refused!.error.code).toBe('HERALD_ERR_EVENT_SCHEMA_DECODE');
  });

  it('decodes Protobuf with Confluent message indexes ([0], [1]) and without them', async () => {
    const { id } = await producer.register(
      { type: SchemaType.PROTOBUF, schema: proto },
      { subject: `${prefix}proto-value` },
    );
    const withoutIndexes = await producer.encode(id, {
      ...event('proto-1'),
      data: { orderId: 5, customer: 'c-1' },
    });
    const header = withoutIndexes.subarray(0, 5);
    const body = withoutIndexes.subarray(5);
    const confluentFirst = Buffer.concat([header, Buffer.from([0]), body]);
    // [1]: the second message, Order; count 1 and index 1 are both zig-zag 02.
    const order = Buffer.from([0x08, 0x09, 0x12, 0x03, 0x63, 0x2d, 0x39]); // order_id 9, customer "c-9"
    const confluentSecond = Buffer.concat([header, Buffer.from([0x02, 0x02]), order]);
    const headers = { ce_specversion: '1.0', ce_id: 'p-2', ce_source: 's', ce_type: 't' };
    const decoder = createEventDecoder(new RegistrySchemaSource({ url }));
    const [a, b, c] = await decoder.decode([
      { value: withoutIndexes },
      { value: confluentFirst },
      { value: confluentSecond, headers },
    ]);
    const expected = { ...event('proto-1'), data: { orderId: '5', customer: 'c-1' } };
    expect(a).toEqual({ ok: true, mode: 'structured', event: expected });
    expect(b).toEqual(a);
    expect(c).toMatchObject({ ok: true, event: { data: { orderId: '9', customer: 'c-9' } } });
  });

  it('an id the registry does not know is HERALD_ERR_EVENT_SCHEMA_UNKNOWN', async () => {
    const unknown = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 0x7b]);
    const [result] = await createEventDecoder(new RegistrySchemaSource({ url })).decode([
      { value: unknown },
    ]);
    expect(!result!.ok && result!.error.code).toBe('HERALD_ERR_EVENT_SCHEMA_UNKNOWN');
    expect(!result!.ok && result!.error.message).toContain('schema id 2147483632');
  });

  it('a registry that does not answer rejects the chunk (retriable), never a record', async () => {
    const down = new RegistrySchemaSource({
      url: 'http://127.0.0.1:1/apis/ccompat/v7',
      timeoutMs: 500,
    });
    const err = await createEventDecoder(down)
      .decode([{ value: Buffer.from([0, 0, 0, 0, 1, 0]) }])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isHeraldError(err, 'HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE')).toBe(true);
    expect(isHeraldError(err) && err.retriable).toBe(true);
    await expect(down.ping()).rejects.toThrow();
    await expect(new RegistrySchemaSource({ url }).ping()).resolves.toBeUndefined();
  });

  it('a base URL that is not the Confluent API counts as unavailable, not as unknown ids', async () => {
    const wrong = new RegistrySchemaSource({ url: url.replace(/\/apis\/ccompat\/v7$/, '/nope') });
    const err = await createEventDecoder(wrong)
      .decode([{ value: Buffer.from([0, 0, 0, 0, 1, 0]) }])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isHeraldError(err, 'HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE')).toBe(true);
  });
});
