import {
  deterministicId,
  statusEventFor,
  type DeliveryJob,
  type NotificationState,
  type StatusEvent,
} from '@herald/core';

/**
 * The states each benched notification goes through, in order. With the legacy
 * `sending` (workers publish it only with HERALD_WORKER_SENDING_STATUS=true), so the
 * audit benches' figures stay comparable with earlier rounds'.
 */
const states: readonly NotificationState[] = ['queued', 'sending', 'sent', 'delivered'];

/**
 * The e2e bench's statuses (shape `pipeline`): the router's `queued`, then the worker's
 * `sent` of a webhook, which carries no provider message id (so the `sent` update of a
 * notification's row changes no indexed column: heap-only); one notification per event.
 */
const pipelineStates: readonly NotificationState[] = ['queued', 'sent'];

/**
 * The audit benches' workload (the auditor's bench and the store's A/B bench): `count`
 * status events of notifications five to an event, each going queued → sending → sent
 * → delivered a second apart. `interleaved` keeps a notification's statuses together
 * (they merge into one row write); `waves` sends every notification's first status,
 * then every second one, … (stable within a state), as statuses arrive in the pipeline.
 * Ids derive from `prefix`, so two runs on one database do not collide.
 *
 * `shape` a number F (unset: the shape above, kept for earlier rounds' figures): F
 * notifications per event, all of one tenant and event time, so each `events` row counts
 * F of them (an event with that many recipients). With `waves`, each wave is then in
 * notification id order, so a chunk holds a few notifications of many events, as the
 * worker's partitions spread an event's deliveries over the status topic.
 *
 * `shape` `'pipeline'`: the statuses the e2e bench writes (`pipelineStates`), one
 * notification per event.
 */
export function auditWorkload(
  prefix: string,
  count: number,
  order: 'interleaved' | 'waves',
  shape?: number | 'pipeline',
): StatusEvent[] {
  const pipeline = shape === 'pipeline';
  const fanout = pipeline ? 1 : shape;
  const path = pipeline ? pipelineStates : states;
  const events: StatusEvent[] = [];
  const start = Date.parse('2026-11-21T00:00:00Z');
  for (let n = 0; events.length < count; n++) {
    const e = fanout === undefined ? undefined : Math.floor(n / fanout);
    const job: DeliveryJob = {
      notificationId: deterministicId(prefix, String(n)),
      event: {
        id: `bench-evt-${e ?? Math.floor(n / 5)}`, // five notifications per event id
        source: 'bench',
        type: 'order.shipped',
        time: new Date(start + (e ?? n)).toISOString(),
      },
      tenant: `tenant-${(e ?? n) % 10}`,
      rule: { id: 'shipping', version: 1 },
      channel: pipeline ? 'webhook' : 'email',
      recipient: {
        ref: `user-${n % 5000}`,
        address: pipeline ? 'http://127.0.0.1:9/hook' : 'x@example.com',
      },
      priority: 'normal',
      attempt: 1,
      payload: {},
      plannedAt: new Date(start + n).toISOString(),
    };
    for (const [i, state] of path.entries()) {
      if (events.length === count) break;
      events.push(
        statusEventFor(job, state, 'herald/bench', new Date(start + n + i * 1000), {
          maxAttempts: 5,
          ...(state === 'sent' && !pipeline
            ? { provider: { statusCode: 250, messageId: `ses-${prefix}${n}` } }
            : {}),
        }),
      );
    }
  }
  if (order === 'waves') {
    const rank = new Map(path.map((s, i) => [s, i]));
    events.sort(
      (a, b) =>
        rank.get(a.data.state)! - rank.get(b.data.state)! ||
        (fanout === undefined ? 0 : a.data.notificationId < b.data.notificationId ? -1 : 1),
    );
  }
  return events;
}
