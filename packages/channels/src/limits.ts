import { HeraldError } from '@herald/core';

/**
 * Throws HERALD_ERR_CONTENT_TOO_LARGE when a documented provider limit is broken,
 * so the message is refused with the limit named instead of being truncated or
 * bounced by the provider.
 */
export function assertLimit(
  provider: string,
  what: string,
  actual: number,
  limit: number,
  unit: string,
): void {
  if (actual > limit) {
    throw new HeraldError('HERALD_ERR_CONTENT_TOO_LARGE', [
      provider,
      `${what} has ${actual} ${unit}, the limit is ${limit}`,
    ]);
  }
}
