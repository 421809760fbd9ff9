import { canonicalJson, sha256 } from './config-versions.js';

describe('canonicalJson', () => {
  it('gives equal text for equal values whatever their key order', () => {
    const a = { b: [1, { y: 2, x: 1 }], a: 'text', c: null };
    const b = { c: null, a: 'text', b: [1, { x: 1, y: 2 }] };
    expect(canonicalJson(a)).toBe('{"a":"text","b":[1,{"x":1,"y":2}],"c":null}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('sorts every key as text, integer-like ones included, and leaves undefined members out', () => {
    expect(canonicalJson({ 10: 'a', 9: 'b', z: undefined })).toBe('{"10":"a","9":"b"}');
    expect(canonicalJson([undefined, 'x'])).toBe('[null,"x"]');
  });

  it('quotes a string as JSON does, so a fragment source checksums as its JSON text', () => {
    expect(canonicalJson('Hi "there"')).toBe(JSON.stringify('Hi "there"'));
    expect(sha256(canonicalJson('abc'))).toBe(sha256('"abc"'));
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
