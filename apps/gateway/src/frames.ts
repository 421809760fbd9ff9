import type { InboxCounts, InboxItem, StateChange } from './ports.js';

/** What the gateway sends, on every transport (SSE: `event:` = type, `data:` = JSON). */
export type ServerFrame =
  | { readonly type: 'message'; readonly seq: number; readonly item: InboxItem }
  /** Catch-up is done: everything up to `lastSeq` was sent; live from here. */
  | { readonly type: 'ready'; readonly lastSeq: number }
  | { readonly type: 'counts'; readonly counts: InboxCounts }
  /** Marks or deletes made from any tab: each message's new state. */
  | { readonly type: 'state'; readonly changes: readonly StateChange[] }
  | { readonly type: 'error'; readonly code: string; readonly message: string }
  /** An answer to a client frame that asked for one (`id` echoes it). */
  | { readonly type: 'result'; readonly id: string; readonly ok: boolean; readonly body?: unknown };

// One encoding per frame, shared by every connection it goes to (a message for a
// subscriber with five tabs is serialised once, not five times).
const jsonCache = new WeakMap<ServerFrame, string>();
const sseCache = new WeakMap<ServerFrame, string>();

/** What a client sees of a message: the store's row may carry more (event, rule, attempt). */
export function clientItem(item: InboxItem): InboxItem {
  return {
    id: item.id,
    seq: item.seq,
    title: item.title,
    body: item.body,
    actionUrl: item.actionUrl ?? null,
    avatar: item.avatar ?? null,
    category: item.category ?? null,
    tags: item.tags,
    data: item.data ?? null,
    collapseKey: item.collapseKey ?? null,
    replacesSeq: item.replacesSeq ?? null,
    createdAt: item.createdAt,
    seenAt: item.seenAt ?? null,
    readAt: item.readAt ?? null,
    archivedAt: item.archivedAt ?? null,
  };
}

export function frameJson(frame: ServerFrame): string {
  let text = jsonCache.get(frame);
  if (text === undefined) {
    text = JSON.stringify(
      frame.type === 'message' ? { ...frame, item: clientItem(frame.item) } : frame,
    );
    jsonCache.set(frame, text);
  }
  return text;
}

/**
 * The SSE text of a frame: `id:` is the seq on messages (so the browser's
 * `Last-Event-ID` on reconnect is the resume cursor) and on `ready`.
 */
export function frameSse(frame: ServerFrame): string {
  let text = sseCache.get(frame);
  if (text === undefined) {
    const id =
      frame.type === 'message'
        ? `id: ${frame.seq}\n`
        : frame.type === 'ready'
          ? `id: ${frame.lastSeq}\n`
          : '';
    text = `${id}event: ${frame.type}\ndata: ${frameJson(frame)}\n\n`;
    sseCache.set(frame, text);
  }
  return text;
}

/** Why the gateway closed a connection; WebSocket close code and SSE `error` frame code. */
export const closeReasons = {
  unauthorized: { ws: 4401, code: 'HERALD_ERR_GATEWAY_TOKEN_INVALID' },
  expired: { ws: 4401, code: 'HERALD_ERR_GATEWAY_TOKEN_EXPIRED' },
  invalid: { ws: 4400, code: 'HERALD_ERR_GATEWAY_REQUEST_INVALID' },
  malformed: { ws: 1007, code: 'HERALD_ERR_GATEWAY_REQUEST_INVALID' },
  slow: { ws: 1008, code: 'HERALD_ERR_GATEWAY_SLOW_CONSUMER' },
  rateLimited: { ws: 4429, code: 'HERALD_ERR_GATEWAY_RATE_LIMITED' },
  shutdown: { ws: 1001, code: 'shutting_down' },
  unavailable: { ws: 1011, code: 'unavailable' },
} as const;
export type CloseReason = keyof typeof closeReasons;

const messageFrames = new WeakMap<InboxItem, ServerFrame>();

/** The `message` frame of an item, one object per item so its encodings are shared. */
export function messageFrame(item: InboxItem): ServerFrame {
  let frame = messageFrames.get(item);
  if (frame === undefined) {
    frame = { type: 'message', seq: item.seq, item };
    messageFrames.set(item, frame);
  }
  return frame;
}
