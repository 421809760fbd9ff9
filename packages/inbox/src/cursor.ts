import { HeraldError } from '@herald/core';

/**
 * Feed cursors are opaque to clients: base64url of `{"v":1,"s":<seq>}`, the seq the next
 * page starts below. Opaque so the position can later carry more (a filter hash, a
 * partition hint) without breaking clients that only hand it back.
 */
const VERSION = 1;

export function encodeCursor(beforeSeq: number): string {
  return Buffer.from(JSON.stringify({ v: VERSION, s: beforeSeq })).toString('base64url');
}

/** The seq a cursor points below; throws HERALD_ERR_INBOX_CURSOR_INVALID for anything else. */
export function decodeCursor(cursor: string): number {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new HeraldError('HERALD_ERR_INBOX_CURSOR_INVALID', [JSON.stringify(cursor.slice(0, 40))]);
  }
  const { v, s } = (parsed ?? {}) as { v?: unknown; s?: unknown };
  if (v !== VERSION || !Number.isSafeInteger(s) || (s as number) < 1) {
    throw new HeraldError('HERALD_ERR_INBOX_CURSOR_INVALID', [JSON.stringify(cursor.slice(0, 40))]);
  }
  return s as number;
}

/**
 * Refuses a position past the subscriber's latest seq (a cursor or `after` from the
 * future: another subscriber's, or a database restored from backup) with
 * HERALD_ERR_INBOX_CURSOR_AHEAD instead of silently answering nothing.
 */
export function checkNotAhead(position: number, latestSeq: number, what: string): void {
  if (position > latestSeq) {
    throw new HeraldError('HERALD_ERR_INBOX_CURSOR_AHEAD', [what, position, latestSeq]);
  }
}
