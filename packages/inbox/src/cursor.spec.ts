import { isHeraldError } from '@herald/core';
import { checkNotAhead, decodeCursor, encodeCursor } from './cursor.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return isHeraldError(err) ? err.code : String(err);
  }
  return 'no error';
};

describe('feed cursors', () => {
  it('round-trip a seq through an opaque base64url text', () => {
    const cursor = encodeCursor(42);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toBe(42);
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['another version', Buffer.from('{"v":2,"s":3}').toString('base64url')],
    ['a seq below 1', Buffer.from('{"v":1,"s":0}').toString('base64url')],
    ['a fractional seq', Buffer.from('{"v":1,"s":1.5}').toString('base64url')],
    ['null', Buffer.from('null').toString('base64url')],
    ['empty', ''],
  ])('refuses %s with HERALD_ERR_INBOX_CURSOR_INVALID', (_what, cursor) => {
    expect(codeOf(() => decodeCursor(cursor))).toBe('HERALD_ERR_INBOX_CURSOR_INVALID');
  });

  it('refuses a position past the latest seq', () => {
    expect(codeOf(() => checkNotAhead(5, 5, 'after'))).toBe('no error');
    expect(codeOf(() => checkNotAhead(6, 5, 'after'))).toBe('HERALD_ERR_INBOX_CURSOR_AHEAD');
  });
});
