import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { HeraldError } from '@herald/core';
import { CancelStore, type HeraldDatabase } from '@herald/store';

/** The cancel mark as written: pending jobs with this tenant and key planned before `cancelledAt` end `cancelled`. */
export interface CancelMark {
  readonly tenant: string;
  readonly key: string;
  readonly eventId: string;
  readonly cancelledAt: string;
}

/**
 * Cancels a tenant's pending notifications by cancellation key: `herald cancel` and
 * `POST /v1/cancellations`. The mark is in Postgres when this returns; `id` is recorded
 * as the cancelling event (default `<origin>:<uuid>`).
 */
export async function cancelByKey(
  db: Kysely<HeraldDatabase>,
  request: { readonly tenant: string; readonly key: string; readonly id?: string },
  now: Date,
  origin: 'cli' | 'api',
): Promise<CancelMark> {
  const key = request.key.trim();
  const tenant = request.tenant.trim();
  if (key === '' || tenant === '')
    throw new HeraldError('HERALD_ERR_CANCEL_INVALID', [
      'the key and the tenant must not be empty',
    ]);
  const eventId = request.id?.trim() || `${origin}:${randomUUID()}`;
  await new CancelStore(db).mark(tenant, key, eventId, now);
  return { tenant, key, eventId, cancelledAt: now.toISOString() };
}
