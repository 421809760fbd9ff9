import type { DeliveryOutcome } from '@herald/core';
import type { FailureClass } from './ports.js';

/** The metrics label of a failed send (a closed list: see docs/observability.md). */
export function failureClassOf(
  outcome: Extract<DeliveryOutcome, { status: 'failed' }>,
): FailureClass {
  const code = outcome.provider?.statusCode;
  if (code === 429 || (!outcome.permanent && outcome.retryAfterMs !== undefined))
    return 'rate_limited';
  if (code === 401 || code === 403) return 'auth';
  if (/timed? ?out|timeout|ETIMEDOUT|aborted/i.test(outcome.reason)) return 'timeout';
  if (outcome.permanent) {
    if (code === 400 || code === 404 || code === 413 || code === 422) return 'invalid_request';
    if (/HERALD_ERR_(TEMPLATE|ADDRESS_INVALID)/.test(outcome.reason)) return 'invalid_request';
    return 'permanent';
  }
  return 'transient';
}
