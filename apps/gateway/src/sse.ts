import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { isHeraldError } from '@herald/core';
import type { SubscriberIdentity } from '@herald/subscriber-auth';
import type { GatewayContext } from './context.js';
import { closeReasons, frameSse, type CloseReason } from './frames.js';
import { checkNotFuture, parseSeq } from './requests.js';
import { Session, type SessionTransport } from './session.js';

function drained(raw: ServerResponse, ms: number): Promise<boolean> {
  if (raw.writableLength === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), ms);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      raw.off('drain', onDrain);
      raw.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    raw.once('drain', onDrain);
    raw.once('close', onClose);
  });
}

function sseTransport(raw: ServerResponse): SessionTransport {
  return {
    kind: 'sse',
    send: (frame) => void raw.write(frameSse(frame)),
    buffered: () => raw.writableLength,
    heartbeat: () => void raw.write(SSE_HEARTBEAT),
    drained: (ms) => drained(raw, ms),
    close: (reason: CloseReason, message: string) => {
      // The reason first, then the end of the stream; EventSource reconnects with
      // Last-Event-ID by itself, a slow client resumes where it stopped.
      raw.end(frameSse({ type: 'error', code: closeReasons[reason].code, message }));
    },
  };
}

/** The SSE heartbeat: a comment line, ignored by EventSource, keeps proxies from idling it out. */
export const SSE_HEARTBEAT = ': hb\n\n';

/**
 * `GET /v1/inbox/stream`: Server-Sent Events. Resume from `Last-Event-ID` (the
 * browser sends it on reconnect) or `?after=`; without either, live from now.
 */
export async function openSse(
  ctx: GatewayContext,
  req: FastifyRequest,
  reply: FastifyReply,
  who: SubscriberIdentity,
): Promise<void> {
  const query = req.query as Record<string, unknown>;
  const after = parseSeq(req.headers['last-event-id'] ?? query.after, 'Last-Event-ID');
  const raw = reply.raw;
  const session = new Session(who, sseTransport(raw), ctx.store, ctx.limits, {
    sent: (_s, item) => {
      ctx.metrics.series.messages.inc({ transport: 'sse' });
      // SSE has no acks: written to the socket is as far as we can tell.
      ctx.statuses.record(who, [{ id: item.id, item }], 'delivered');
    },
    ended: (s, reason) => {
      ctx.hub.remove(s);
      ctx.metrics.series.connections.dec({ transport: 'sse' });
      if (reason === 'slow') ctx.metrics.refuse('sse', 'slow_consumer');
    },
  });
  // In the hub before the last seq is read: a message stored in between waits in the
  // session's pending list instead of falling between catch-up and live.
  ctx.metrics.series.connections.inc({ transport: 'sse' });
  let last: number;
  try {
    await ctx.hub.add(session);
    last = await ctx.store.lastSeq(who);
    if (after !== undefined) checkNotFuture(after, last, 'Last-Event-ID');
  } catch (err) {
    session.ended();
    throw err;
  }
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 2000\n\n');
  raw.on('close', () => session.ended());
  raw.on('error', () => session.ended());
  try {
    await (after === undefined || after === last ? session.startLive(last) : session.resume(after));
  } catch (err) {
    ctx.log.warn({ err: isHeraldError(err) ? err.message : err }, 'SSE catch-up failed');
    ctx.metrics.refuse('sse', 'unavailable');
    session.close('unavailable', 'the inbox store is unavailable; reconnect later');
  }
}
