import type { DeliveryFailureClass, DeliveryOutcome } from '@herald/core';

/** The metrics label of a failed send (a closed list: see docs/observability.md). */
export function failureClassOf(
  outcome: Extract<DeliveryOutcome, { status: 'failed' }>,
): DeliveryFailureClass {
  // Classified by the provider where the failure happened, never from the reason's text.
  return outcome.failureClass;
}
