/**
 * The chaos suite's rate-limit evidence (e2e/chaos/admissions.mjs): one admission per
 * attempt, at the time it began, whether the worker said so in the outcome
 * (`attemptStartedAt`, the default), in a legacy `sending` record, or in both; a status
 * published again for the same attempt (a chunk redone) is not a second admission.
 */
import { createAdmissions } from '../chaos/admissions.mjs';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const status = (
  id: string,
  state: string,
  attempt: number,
  ms: number,
  attemptStartedAt?: number,
) => ({
  subject: id,
  data: {
    state,
    attempt,
    occurredAt: iso(ms),
    ...(attemptStartedAt === undefined ? {} : { attemptStartedAt: iso(attemptStartedAt) }),
  },
});

it('counts an outcome-only attempt at its start, not at its outcome', () => {
  const admissions = createAdmissions();
  expect(admissions.status(status('a', 'queued', 1, 0))).toBe(false);
  expect(admissions.status(status('a', 'sent', 1, 900, 100))).toBe(true);
  expect(admissions.times).toEqual([T0 + 100]);
});

it('counts a legacy sending record, and not its outcome again when it carries the start too', () => {
  const admissions = createAdmissions();
  // An older worker: sending, then an outcome without the field.
  admissions.status(status('b', 'sending', 1, 100));
  admissions.status(status('b', 'retrying', 1, 400));
  // HERALD_WORKER_SENDING_STATUS=true: both say when attempt 2 began.
  admissions.status(status('b', 'sending', 2, 2_000));
  admissions.status(status('b', 'sent', 2, 2_300, 2_000));
  expect(admissions.times).toEqual([T0 + 100, T0 + 2_000]);
});

it('counts an attempt once when its statuses are published again', () => {
  const admissions = createAdmissions();
  admissions.status(status('c', 'sent', 1, 300, 200));
  // A chunk redone after a rebalance, or the sent mark re-published: same attempt.
  expect(admissions.status(status('c', 'sent', 1, 5_000, 200))).toBe(false);
  // Receipts end no attempt of the worker's: no admission.
  expect(admissions.status(status('c', 'delivered', 1, 6_000))).toBe(false);
  expect(admissions.times).toEqual([T0 + 200]);
});
