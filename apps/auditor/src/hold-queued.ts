import type { ConsumedRecord, StatusEvent } from '@herald/core';

/** A chunk's record with its decoded status event. */
export interface DecodedStatus {
  readonly record: ConsumedRecord;
  readonly event: StatusEvent;
}

export interface HoldOptions {
  /** How long after its record's timestamp a `queued` status may wait (HERALD_AUDITOR_HOLD_MS); 0: never. */
  readonly holdMs: number;
  /** The most held per chunk, so the next chunk keeps room for new records. */
  readonly max: number;
  readonly now: number;
}

/**
 * The `queued` statuses of a chunk worth holding back (issue 19 item 3): a notification's
 * queued (from the router) and its outcome (from the worker) cost Postgres about half as
 * much written in one `herald_audit_write` as in two (docs/benchmarks.md, round 7 "Store
 * A/B"). A queued status is held when no later status of its notification is in the chunk
 * and its record is younger than `holdMs` (a timestamp ahead of the clock is never held:
 * its age would not grow to the bound); the stage presents it again, first, with the next
 * chunk, or alone by `until` (the first held record's timestamp + `holdMs`), when it is
 * written whatever came meanwhile. Statuses are keyed by notification on herald.status, so
 * a notification's later statuses come after its queued in the same partition: holding
 * the queued back never puts it after one of them.
 *
 * Returns the held records in chunk order (at most `max`, the first ones: the records of
 * a partition come in the order they were produced, so their outcome is the nearest), or
 * undefined when none.
 */
export function queuedToHold(
  chunk: readonly DecodedStatus[],
  options: HoldOptions,
): { readonly records: ConsumedRecord[]; readonly until: number } | undefined {
  const { holdMs, max, now } = options;
  if (holdMs <= 0 || max <= 0) return undefined;
  const later = new Set<string>();
  const candidates: DecodedStatus[] = [];
  for (let i = chunk.length - 1; i >= 0; i--) {
    const status = chunk[i]!;
    const id = status.event.data.notificationId;
    if (status.event.data.state === 'queued' && !later.has(id)) {
      const age = now - status.record.timestamp;
      if (age >= 0 && age < holdMs) candidates.push(status);
    }
    later.add(id);
  }
  if (candidates.length === 0) return undefined;
  const held = candidates.reverse().slice(0, max);
  let until = Number.POSITIVE_INFINITY;
  for (const { record } of held) until = Math.min(until, record.timestamp + holdMs);
  return { records: held.map(({ record }) => record), until };
}
