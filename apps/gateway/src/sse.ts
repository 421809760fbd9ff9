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

/** The head of every SSE response. */
const SSE_HEAD = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * The session's side of one SSE response, and `start`, which writes its head. The
 * session is in the hub, so on the heartbeat wheel and reachable by pushes, while its
 * last seq is read; anything written to the response before the head would make Node
 * send its default one (200, no `text/event-stream`) and the real head throw, leaving a
 * stream that never goes live (a keep-alive due during a slow read did, 1 in ~10 runs of
 * the stack test). So until `start`, keep-alives are skipped (nothing to keep alive yet),
 * frames wait and follow the head, and a close writes the head first.
 */
function sseTransport(raw: ServerResponse): { transport: SessionTransport; start(): void } {
  let started = false;
  const early: string[] = [];
  const start = () => {
    if (started) return;
    started = true;
    raw.writeHead(200, SSE_HEAD);
    raw.write('retry: 2000\n\n');
    for (const text of early.splice(0)) raw.write(text);
  };
  const transport: SessionTransport = {
    kind: 'sse',
    send: (frame) => {
      const text = frameSse(frame);
      if (started) raw.write(text);
      else early.push(text);
    },
    buffered: () => raw.writableLength,
    heartbeat: () => {
      if (started) raw.write(SSE_HEARTBEAT);
    },
    drained: (ms) => drained(raw, ms),
    close: (reason: CloseReason, message: string) => {
      // The reason first, then the end of the stream; EventSource reconnects with
      // Last-Event-ID by itself, a slow client resumes where it stopped.
      start();
      raw.end(frameSse({ type: 'error', code: closeReasons[reason].code, message }));
    },
  };
  return { transport, start };
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
  const sse = sseTransport(raw);
  const session = new Session(who, sse.transport, ctx.store, ctx.limits, {
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
  sse.start();
  raw.on('close', () => session.ended());
  raw.on('error', () => session.ended());
  // Closed by the hub while the last seq was read (the gateway stopping): already ended.
  if (session.closed) return;
  try {
    await (after === undefined || after === last ? session.startLive(last) : session.resume(after));
  } catch (err) {
    ctx.log.warn({ err: isHeraldError(err) ? err.message : err }, 'SSE catch-up failed');
    ctx.metrics.refuse('sse', 'unavailable');
    session.close('unavailable', 'the inbox store is unavailable; reconnect later');
  }
}
