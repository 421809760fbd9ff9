import type { CloudEvent } from '@herald/core';
import { toCelValue } from './cel-value.js';

// match() and planDeliveries() run back to back on the same event object: one slot
// is enough to convert it once, and cheaper than a WeakMap on the hot path. It holds
// one event at most.
let lastEvent: CloudEvent | undefined;
let lastValue: unknown;

/** The event as a CEL value (see `toCelValue`), converted once per event object. */
export function celEvent(event: CloudEvent): unknown {
  if (event !== lastEvent) {
    lastValue = toCelValue(event);
    lastEvent = event;
  }
  return lastValue;
}

/** The value of `recipient` where no recipient is in scope. */
export const NO_RECIPIENT: Readonly<Record<string, never>> = Object.freeze({});
