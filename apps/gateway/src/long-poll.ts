import type { SubscriberIdentity } from '@herald/subscriber-auth';
import type { GatewayContext } from './context.js';
import type { ServerFrame } from './frames.js';
import type { InboxItem } from './ports.js';
import { checkNotFuture } from './requests.js';
import { Session, type SessionTransport } from './session.js';

export interface PollResult {
  readonly items: readonly InboxItem[];
  /** The cursor for the next poll (`after`). */
  readonly lastSeq: number;
}

/**
 * `GET /v1/inbox/poll?after=<seq>&wait=<s>`: answers at once with what is stored after
 * `after`, else waits up to `wait` seconds for the next live message. It is a session
 * like a stream's (same catch-up, gap and dedupe rules) whose transport collects
 * frames and answers on the first message or the timeout.
 */
export async function longPoll(
  ctx: GatewayContext,
  who: SubscriberIdentity,
  after: number | undefined,
  waitSeconds: number,
  aborted: AbortSignal,
): Promise<PollResult> {
  const items: InboxItem[] = [];
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const transport: SessionTransport = {
    kind: 'poll',
    send: (frame: ServerFrame) => {
      if (frame.type !== 'message') return;
      items.push(frame.item);
      // Catch-up pages are collected whole; a live message answers right away.
      if (!catchingUp) wake();
    },
    buffered: () => 0,
    drained: () => Promise.resolve(true),
    close: () => wake(),
  };
  let catchingUp = true;
  const session = new Session(
    who,
    transport,
    ctx.store,
    { ...ctx.limits, maxPending: ctx.limits.pageSize },
    {
      sent: (_s, item) => {
        ctx.metrics.series.messages.inc({ transport: 'poll' });
        ctx.statuses.record(who, [{ id: item.id, item }], 'delivered');
      },
      ended: (s) => ctx.hub.remove(s),
    },
  );
  ctx.metrics.series.connections.inc({ transport: 'poll' });
  const timer = setTimeout(wake, waitSeconds * 1000);
  const onAbort = () => wake();
  aborted.addEventListener('abort', onAbort);
  try {
    await ctx.hub.add(session);
    const last = await ctx.store.lastSeq(who);
    if (after !== undefined) checkNotFuture(after, last, 'after');
    // One page per poll: the client polls again with the new cursor.
    await session.resumeOnePage(after ?? last);
    catchingUp = false;
    if (items.length === 0 && waitSeconds > 0 && !aborted.aborted) await woken;
    return { items, lastSeq: session.lastSeq };
  } finally {
    clearTimeout(timer);
    aborted.removeEventListener('abort', onAbort);
    session.ended();
    ctx.metrics.series.connections.dec({ transport: 'poll' });
  }
}
