// Why a receiver saw a notification twice. The chaos suite records every accepted
// request (receiver side, with the `webhook-timestamp` the worker signed it with, so
// the second it was sent), every attempt the workers reported (an outcome's
// `attemptStartedAt`, or a legacy `sending` record, says when an attempt began;
// `retrying` / `dead_lettered` ones whose reason says no answer came say it ended
// unanswered), accepted requests whose answer the receiver wrote
// after the workers' timeout or onto a closed connection, and the faults it injected;
// `classify()` then splits the duplicates by the request accepted before each one:
//
// - ambiguous retries: that earlier request is one the worker never heard back about
//   (its timeout fired first, the connection broke). Retrying is the only safe move
//   then; a receiver that deduplicates by `webhook-id` applies it once. Inherent.
// - raw duplicate sends: everything else — a send Herald knew about (or could have)
//   and still repeated: a worker killed after the send, a lost sent mark, a partition
//   handed over. Avoidable; each is labelled with the last fault before it.
//
// Pairing by request, not by time: a starved receiver reads a request late, so the
// worker's "no response" status can come *before* the receiver's accept of that very
// request; and when the attempt's chunk failed, no status of it is published at all.

import { attemptStartOf } from '@herald/core';

/** Reasons of a failed attempt that got no answer: the provider may have acted on it. */
const NO_ANSWER = /no response within|aborted before the provider answered|network error/;
/** Between an attempt's start and the timestamp the provider signs (same process). */
const SIGN_LAG_MS = 300;
/**
 * How late the worker's timeout may fire after its nominal time: undici runs timeouts of
 * a second or more on its low-resolution timers (1 s resolution). An answer written
 * later than the signed second's end + the timeout + this reached a worker that had
 * given up on it.
 */
export const TIMER_SLACK_MS = 1_000;
/** How long before a worker's SIGKILL an accept on its connection counts as in flight. */
const KILL_WINDOW_MS = 5_000;
/** An accept on the killed worker's connection this soon after the kill was sent before it. */
const KILL_GRACE_MS = 1_000;

/**
 * @param {{ timeoutMs: number }} options the workers' provider timeout
 *   (HERALD_WEBHOOK_TIMEOUT_MS): an answer written later than that after the send
 *   cannot have reached the worker.
 */
export function createDuplicateLedger({ timeoutMs }) {
  const accepts = new Map(); // id → its accepted requests, in order
  const unanswered = new Map(); // id → times an attempt ended without an answer (statuses)
  // id → its sends as the workers reported them: { attempt, sendingAt, noAnswer }. One
  // attempt number can be sent more than once (its record handled again after a
  // rebalance or a failed commit), so each start is a send of its own; a worker that
  // also publishes `sending` states one start twice (that record and the outcome's
  // attemptStartedAt, the same instant): one send.
  const sends = new Map();
  const faults = []; // { name, at } in start order
  const kills = []; // { at, ports }: a worker SIGKILLed and the local ports it held
  const duplicates = []; // { id, at, previous, request, prior }
  const history = new Map(); // id → its statuses, for the samples classify() prints
  return {
    /**
     * A 2xx about to be answered for `id`, whose request the worker signed at `sentSec`
     * (its `webhook-timestamp`, seconds). Returns the request: `duplicate` when `id` had
     * been accepted before, and `answered(at)` to call once the answer went out (or
     * `unanswered()` when it could not reach the worker).
     */
    accepted(id, at, sentSec, port) {
      const request = {
        at,
        sentSec,
        port,
        unanswered: false,
        /** Why it counts as unanswered: `late` (answer past the timeout), `closed`. */
        why: undefined,
        duplicate: false,
        /** The answer left at `at`: too late for a worker that sent it at `sentSec`? */
        answered(answeredAt) {
          const gaveUpBy = (sentSec + 1) * 1000 + timeoutMs + TIMER_SLACK_MS;
          if (Number.isFinite(sentSec) && answeredAt >= gaveUpBy) {
            request.unanswered = true;
            request.why = 'late';
          }
        },
        /**
         * Answered onto a connection the worker had closed (`closed`), that it closed right
         * after the answer (`dropped`), or (`late`) too long after the request arrived.
         */
        unanswer(why = 'closed') {
          request.unanswered = true;
          request.why = why;
        },
      };
      const earlier = accepts.get(id);
      if (earlier === undefined) {
        accepts.set(id, [request]);
        return request;
      }
      const prior = earlier.at(-1);
      request.duplicate = true;
      duplicates.push({ id, at, previous: prior.at, request, prior });
      earlier.push(request);
      return request;
    },
    /** A status from herald.status (its `subject` is the notification id). */
    status(status) {
      const data = status.data ?? {};
      const { state, reason, occurredAt, attempt } = data;
      const at = Date.parse(occurredAt ?? status.time);
      const seen = history.get(status.subject) ?? [];
      seen.push({ state, attempt, at });
      history.set(status.subject, seen);
      const own = sends.get(status.subject) ?? [];
      sends.set(status.subject, own);
      const started = attemptStartOf({ ...data, occurredAt: occurredAt ?? status.time });
      if (started !== undefined) {
        const sendingAt = Date.parse(started);
        if (!own.some((x) => x.attempt === attempt && x.sendingAt === sendingAt))
          own.push({ attempt, sendingAt, noAnswer: false });
      }
      if (state !== 'retrying' && state !== 'dead_lettered') return;
      if (typeof reason !== 'string' || !NO_ANSWER.test(reason)) return;
      // The send it ends: the latest start of that attempt before it.
      const send = own.findLast((x) => x.attempt === attempt && x.sendingAt <= at);
      if (send) send.noAnswer = true;
      const times = unanswered.get(status.subject) ?? [];
      times.push(at);
      unanswered.set(status.subject, times);
    },
    fault(name, at) {
      faults.push({ name, at });
    },
    /** A worker SIGKILLed at `at` while it held these local TCP ports (its connections). */
    killed(at, ports) {
      kills.push({ at, ports: new Set(ports) });
    },
    /**
     * { ambiguous, ambiguousBy, avoidable, causes, samples }. A duplicate is ambiguous when the
     * request accepted before it got no answer the worker saw: the receiver answered
     * it too late or onto a closed connection, or it is the request of an attempt
     * (paired by its start and the request's signed second) that the worker
     * reported unanswered; or, failing a pairing, when an attempt of its notification
     * ended unanswered between the two accepts (each explains one duplicate). Causes
     * count the avoidable ones by the first fault that began after the previous accept
     * and before the repeat (or `no fault`); the gap to the previous accept hints at the
     * mechanism: about a lease (60 s) means a dead worker's lease ran out.
     */
    classify() {
      const spent = new Map();
      const paired = new Set(); // sends that explained a repeat already
      const causes = {};
      const samples = [];
      let ambiguous = 0;
      // How each ambiguous repeat was told apart, so a run shows what its figure rests on.
      const ambiguousBy = { late: 0, closed: 0, dropped: 0, paired: 0, window: 0, killed: 0 };
      // The earlier request came on a connection of a worker SIGKILLed after it (within
      // KILL_WINDOW_MS) and the repeat came after the kill: the worker died with that
      // send in flight, before it recorded the answer (the gap that stays, docs/
      // reliability.md "Idempotency"); a later owner sends it again once the lease ends.
      const killedInFlight = (d) =>
        kills.some(
          (k) =>
            d.prior.port !== undefined &&
            k.ports.has(d.prior.port) &&
            // Read after the kill is possible (the request sat in the receiver's socket),
            // sent after it is not; the restarted worker connects only after KILL_GRACE_MS.
            d.prior.at <= k.at + KILL_GRACE_MS &&
            k.at - d.prior.at <= KILL_WINDOW_MS &&
            d.at > k.at,
        );
      const pairs = (id, request) => {
        for (const send of sends.get(id) ?? []) {
          if (!send.noAnswer || paired.has(send)) continue;
          const from = Math.floor(send.sendingAt / 1000);
          const to = Math.floor((send.sendingAt + SIGN_LAG_MS) / 1000);
          if (request.sentSec >= from && request.sentSec <= to) {
            paired.add(send);
            return true;
          }
        }
        return false;
      };
      for (const d of duplicates) {
        if (d.prior.unanswered) {
          ambiguousBy[d.prior.why ?? 'closed']++;
          ambiguous++;
          continue;
        }
        if (pairs(d.id, d.prior)) {
          ambiguousBy.paired++;
          ambiguous++;
          continue;
        }
        if (killedInFlight(d)) {
          ambiguousBy.killed++;
          ambiguous++;
          continue;
        }
        const used = spent.get(d.id) ?? 0;
        const explaining = (unanswered.get(d.id) ?? []).filter(
          (t) => t >= d.previous - 50 && t <= d.at + 50,
        ).length;
        if (explaining > used) {
          spent.set(d.id, used + 1);
          ambiguousBy.window++;
          ambiguous++;
          continue;
        }
        // The first fault from just before the previous accept on: what struck between
        // the send and its record (a kill after the send shows up a lease later).
        const before = faults.find((f) => f.at >= d.previous - 1_000 && f.at <= d.at);
        const gap = d.at - d.previous;
        const after = gap < 1_000 ? '<1s' : gap < 10_000 ? '<10s' : gap < 70_000 ? '<70s' : '>=70s';
        const cause = `${before ? `after ${before.name}` : 'no fault'}, ${after} later`;
        causes[cause] = (causes[cause] ?? 0) + 1;
        if (samples.length < 5)
          samples.push({
            id: d.id,
            at: d.at,
            previous: d.previous,
            previousSentSec: d.prior.sentSec,
            statuses: history.get(d.id) ?? [],
          });
      }
      return { ambiguous, ambiguousBy, avoidable: duplicates.length - ambiguous, causes, samples };
    },
  };
}

/**
 * The last request answered on a connection. Workers keep their connections open after
 * a response (keep-alive; undici closes an idle one seconds later); undici destroys one
 * only when it gives up on the request in flight (its timeout) or the worker dies. A
 * connection the worker closes within CLOSED_AFTER_ANSWER_MS after an answer (a stalled
 * receiver read the request, and then the worker's FIN) is one whose answer the worker
 * never took: the request counts as unanswered (`dropped`).
 */
const lastAnswer = Symbol('lastAnswer');
const CLOSED_AFTER_ANSWER_MS = 1_000;

/** A request arrived on `socket`: the worker took the answer before it. */
export function requestOn(socket) {
  socket[lastAnswer] = undefined;
}

/** `request` (from `accepted`) was answered on `socket` at `at`. */
export function answeredOn(socket, request, at) {
  socket[lastAnswer] = { request, at };
}

/** Watches `server`'s connections for workers closing them right after an answer. */
export function watchDroppedAnswers(server) {
  server.on('connection', (socket) =>
    socket.once('end', () => {
      const last = socket[lastAnswer];
      if (last && Date.now() - last.at <= CLOSED_AFTER_ANSWER_MS) last.request.unanswer('dropped');
    }),
  );
}
