import type { CloudEvent } from '@herald/core';
import { toCelValue } from './cel-value.js';

// match() and planDeliveries() see the same event object; convert it once.
const converted = new WeakMap<CloudEvent, unknown>();

/** The event as a CEL value (see `toCelValue`), converted once per event object. */
export function celEvent(event: CloudEvent): unknown {
  let value = converted.get(event);
  if (value === undefined) {
    value = toCelValue(event);
    converted.set(event, value);
  }
  return value;
}

/** The value of `recipient` where no recipient is in scope. */
export const NO_RECIPIENT: Readonly<Record<string, never>> = Object.freeze({});
