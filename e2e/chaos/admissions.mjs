// The rate-limited recipient's admissions as the workers reported them: one per
// (notification, attempt), at the time the attempt began, i.e. once the limiter had let
// it through, on the workers' clock. Workers say when in the outcome's
// `attemptStartedAt`; older ones, and those with HERALD_WORKER_SENDING_STATUS=true, in a
// `sending` record too (the same instant): either counts, once. A chunk redone after a
// rebalance publishes the same attempt's statuses again (same deterministic ids), which
// is not a second pass: the first start seen counts.
import { attemptStartOf } from '@herald/core';

export function createAdmissions() {
  const counted = new Set(); // `${notification id}#${attempt}`
  const times = [];
  return {
    /** Admission times (ms), in the order the statuses were read. */
    times,
    /** A status from herald.status; true when it was an admission not counted before. */
    status(status) {
      const data = status.data ?? {};
      const started = attemptStartOf(data);
      if (started === undefined) return false;
      const key = `${status.subject}#${data.attempt}`;
      if (counted.has(key)) return false;
      counted.add(key);
      times.push(Date.parse(started));
      return true;
    },
  };
}
