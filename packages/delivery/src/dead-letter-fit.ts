import { encodeDeadLetter, type DeadLetter } from './dead-letter.js';

/** Attempts kept when a dead letter is cut down (the last ones: the final reason is among them). */
const KEPT_ATTEMPTS = 5;
/** Longest reason kept when a dead letter is cut down to its minimum. */
const KEPT_REASON = 1_000;

/**
 * A dead letter that fits the record limit, losing as little as possible: the letter
 * as it is; else without the job's payload (`payload`) or the undecodable record's
 * bytes (`raw`); else without the job (`job`: notification id, channel, tenant and the
 * last attempts stay); else with a shortened reason too. `fits` measures a candidate
 * as the record it becomes (value and headers, `checkRecordSize` in the app), so the
 * letter says what it left out (`truncated`, and a `herald-dlq-truncated` header)
 * and the source topic and offset point at the full record.
 *
 * A dead letter must always be producible: one the broker refuses would be retried
 * for ever and hold every later record of its partition.
 */
export function fitDeadLetter(
  letter: DeadLetter,
  fits: (letter: DeadLetter) => boolean,
): DeadLetter {
  if (fits(letter)) return letter;
  const originalBytes = encodeDeadLetter(letter).length;
  const { job, raw: _raw, ...rest } = letter;
  const withoutPayload: DeadLetter = job
    ? { ...rest, job: { ...job, payload: null }, truncated: { omitted: 'payload', originalBytes } }
    : { ...rest, truncated: { omitted: 'raw', originalBytes } };
  if (fits(withoutPayload)) return withoutPayload;
  const withoutJob: DeadLetter = {
    ...rest,
    attempts: letter.attempts.slice(-KEPT_ATTEMPTS),
    truncated: { omitted: job ? 'job' : 'raw', originalBytes },
  };
  if (fits(withoutJob)) return withoutJob;
  return {
    ...withoutJob,
    reason: letter.reason.slice(0, KEPT_REASON),
    attempts: withoutJob.attempts.map((a) => ({ ...a, reason: a.reason.slice(0, 300) })),
  };
}
