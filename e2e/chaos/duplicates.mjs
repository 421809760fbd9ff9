// Why a receiver saw a notification twice. The chaos suite records every accepted
// request (receiver side), every attempt the workers gave up on without an answer
// (`retrying` / `dead_lettered` statuses whose reason says no response came, and
// accepted requests whose answer came after the workers' timeout or onto a closed
// connection) and the faults it injected; `classify()` then splits the duplicates:
//
// - ambiguous retries: the receiver accepted a request the worker never heard back
//   about (its timeout fired first, the connection broke). Retrying is the only safe
//   move then; a receiver that deduplicates by `webhook-id` applies it once. Inherent.
// - raw duplicate sends: everything else — a send Herald knew about (or could have)
//   and still repeated: a worker killed after the send, a lost sent mark, a partition
//   handed over. Avoidable; each is labelled with the last fault before it.

/** Reasons of a failed attempt that got no answer: the provider may have acted on it. */
const NO_ANSWER = /no response within|aborted before the provider answered|network error/;

export function createDuplicateLedger() {
  const accepts = new Map(); // id → times the receiver accepted it
  const unanswered = new Map(); // id → times an attempt ended without an answer
  const faults = []; // { name, at } in start order
  const duplicates = []; // { id, at, previous }
  const history = new Map(); // id → its statuses, for the samples classify() prints
  return {
    /** A 2xx answered for `id`; true when it had been accepted before (a duplicate). */
    accepted(id, at) {
      const times = accepts.get(id);
      if (times === undefined) {
        accepts.set(id, [at]);
        return false;
      }
      duplicates.push({ id, at, previous: times.at(-1) });
      times.push(at);
      return true;
    },
    /** A status from herald.status (its `subject` is the notification id). */
    status(status) {
      const { state, reason, occurredAt, attempt } = status.data ?? {};
      const seen = history.get(status.subject) ?? [];
      seen.push({ state, attempt, at: Date.parse(occurredAt ?? status.time) });
      history.set(status.subject, seen);
      if (state !== 'retrying' && state !== 'dead_lettered') return;
      if (typeof reason !== 'string' || !NO_ANSWER.test(reason)) return;
      const times = unanswered.get(status.subject) ?? [];
      times.push(Date.parse(occurredAt ?? status.time));
      unanswered.set(status.subject, times);
    },
    /** The receiver accepted `id` but its answer cannot have reached the worker in time. */
    unanswered(id, at) {
      const times = unanswered.get(id) ?? [];
      times.push(at);
      unanswered.set(id, times);
    },
    fault(name, at) {
      faults.push({ name, at });
    },
    /**
     * { ambiguous, avoidable, causes } where causes counts the avoidable ones by the
     * first fault that began after the previous accept and before the repeat (or `no
     * fault`). A duplicate is ambiguous
     * when an attempt of its notification ended unanswered after the previous accept
     * (each such attempt explains one duplicate). The gap to the previous accept hints
     * at the mechanism: about a lease (60 s) means a dead worker's lease ran out.
     */
    classify() {
      const spent = new Map();
      const causes = {};
      const samples = [];
      let ambiguous = 0;
      for (const d of duplicates) {
        const used = spent.get(d.id) ?? 0;
        const explaining = (unanswered.get(d.id) ?? []).filter(
          (t) => t >= d.previous - 50 && t <= d.at + 50,
        ).length;
        if (explaining > used) {
          spent.set(d.id, used + 1);
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
        if (samples.length < 5) samples.push({ ...d, statuses: history.get(d.id) ?? [] });
      }
      return { ambiguous, avoidable: duplicates.length - ambiguous, causes, samples };
    },
  };
}
