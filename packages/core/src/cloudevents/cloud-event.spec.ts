import { decodeCloudEvent } from './cloud-event.js';

const valid = {
  specversion: '1.0',
  id: 'evt-1',
  source: 'shop/orders',
  type: 'order.shipped',
  time: '2026-11-22T10:00:00Z',
  tenantid: 'acme',
  data: { orderId: 42 },
};

describe('decodeCloudEvent', () => {
  it('decodes structured mode JSON', () => {
    const result = decodeCloudEvent({ value: Buffer.from(JSON.stringify(valid)) });
    expect(result).toEqual({ ok: true, mode: 'structured', event: valid });
  });

  it('decodes binary mode from ce_ headers with JSON data', () => {
    const result = decodeCloudEvent({
      value: Buffer.from('{"orderId":42}'),
      headers: {
        ce_specversion: Buffer.from('1.0'),
        ce_id: Buffer.from('evt-1'),
        ce_source: Buffer.from('shop/orders'),
        ce_type: Buffer.from('order.shipped'),
        ce_tenantid: 'acme',
        'content-type': 'application/json',
      },
    });
    expect(result.ok && result.mode).toBe('binary');
    expect(result.ok && result.event).toEqual({
      specversion: '1.0',
      id: 'evt-1',
      source: 'shop/orders',
      type: 'order.shipped',
      tenantid: 'acme',
      datacontenttype: 'application/json',
      data: { orderId: 42 },
    });
  });

  it('treats content-type application/cloudevents+json as structured even with ce_ headers', () => {
    const result = decodeCloudEvent({
      value: Buffer.from(JSON.stringify(valid)),
      headers: {
        ce_specversion: '1.0',
        'content-type': 'application/cloudevents+json; charset=UTF-8',
      },
    });
    expect(result.ok && result.mode).toBe('structured');
  });

  it('decodes data_base64', () => {
    const { data: _data, ...rest } = valid;
    const result = decodeCloudEvent({
      value: Buffer.from(
        JSON.stringify({ ...rest, data_base64: Buffer.from('{"a":1}').toString('base64') }),
      ),
    });
    expect(result.ok && result.event.data).toEqual({ a: 1 });
  });

  it.each([
    ['not json', 'not json{', 'HERALD_ERR_EVENT_UNDECODABLE', /not valid JSON/],
    ['an array', '[]', 'HERALD_ERR_EVENT_INVALID', /received an array/],
    [
      'no specversion',
      JSON.stringify({ ...valid, specversion: undefined }),
      'HERALD_ERR_EVENT_INVALID',
      /"specversion" must be "1.0", received nothing/,
    ],
    [
      'wrong specversion',
      JSON.stringify({ ...valid, specversion: '0.3' }),
      'HERALD_ERR_EVENT_INVALID',
      /received "0.3"/,
    ],
    [
      'empty id',
      JSON.stringify({ ...valid, id: '' }),
      'HERALD_ERR_EVENT_INVALID',
      /"id" must be a non-empty string/,
    ],
    [
      'missing type',
      JSON.stringify({ ...valid, type: undefined }),
      'HERALD_ERR_EVENT_INVALID',
      /"type"/,
    ],
    [
      'bad time',
      JSON.stringify({ ...valid, time: 'yesterday' }),
      'HERALD_ERR_EVENT_INVALID',
      /RFC 3339/,
    ],
    [
      'bad extension name',
      JSON.stringify({ ...valid, Tenant_Id: 'x' }),
      'HERALD_ERR_EVENT_INVALID',
      /"Tenant_Id"/,
    ],
    [
      'object extension',
      JSON.stringify({ ...valid, meta: { a: 1 } }),
      'HERALD_ERR_EVENT_INVALID',
      /"meta" must be a string/,
    ],
  ])('rejects %s with a reason', (_name, value, code, message) => {
    const result = decodeCloudEvent({ value: Buffer.from(value) });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.message).toMatch(message);
    }
  });

  it('rejects a tombstone', () => {
    const result = decodeCloudEvent({ value: null });
    expect(!result.ok && result.error.message).toMatch(/tombstone/);
  });

  it('rejects binary mode with undecodable JSON data', () => {
    const result = decodeCloudEvent({
      value: Buffer.from('{oops'),
      headers: {
        ce_specversion: '1.0',
        ce_id: 'x',
        ce_source: 's',
        ce_type: 't',
        'content-type': 'application/json',
      },
    });
    expect(!result.ok && result.error.message).toMatch(/binary-mode data/);
  });
});
