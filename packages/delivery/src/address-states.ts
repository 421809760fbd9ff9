import type { ChannelName, DeliveryJob, Logger } from '@herald/core';
import type { AddressMarkInfo, AddressStatePort } from './pipeline/ports.js';

/** Where marks live: `AddressStateStore` of @herald/store (Postgres, migrations/0009). */
export interface AddressStateSource {
  find(
    tenant: string,
    channel: ChannelName,
    address: string,
  ): Promise<{ readonly reason: string; readonly provider: string } | undefined>;
  markInvalid(mark: {
    readonly tenant: string;
    readonly channel: ChannelName;
    readonly address: string;
    readonly reason: string;
    readonly provider: string;
    readonly notificationId?: string;
    readonly at: Date;
  }): Promise<void>;
}

interface Entry {
  readonly mark: AddressMarkInfo | null;
  readonly expiresAt: number;
}

/**
 * The worker's check before sending, over a source, with a small TTL'd LRU so a burst of
 * jobs to one address costs one query: answers (marked or not) are kept `ttlMs`. A mark
 * this worker writes is cached at once; one written by another worker, or cleared by a
 * re-registration, is seen within `ttlMs`. Fails open, never throws (see AddressStatePort).
 *
 * @example
 * const addressStates = cachedAddressStates(new AddressStateStore(db), { ttlMs: 30_000, maxEntries: 10_000, log, now: Date.now });
 */
export function cachedAddressStates(
  source: AddressStateSource,
  options: { ttlMs: number; maxEntries: number; log: Logger; now: () => number },
): AddressStatePort {
  const cache = new Map<string, Entry>();
  const keyOf = (job: DeliveryJob) =>
    `${job.tenant}\u0000${job.channel}\u0000${job.recipient.address}`;
  const remember = (key: string, mark: AddressMarkInfo | null) => {
    cache.delete(key);
    cache.set(key, { mark, expiresAt: options.now() + options.ttlMs });
    // Map order is insertion order: the first key is the least recently written.
    while (cache.size > options.maxEntries) cache.delete(cache.keys().next().value as string);
  };
  /** A miss: asks the source and caches its answer (fails open). */
  async function lookUp(job: DeliveryJob, key: string): Promise<AddressMarkInfo | undefined> {
    try {
      const found = await source.find(job.tenant, job.channel, job.recipient.address);
      const mark = found === undefined ? null : { reason: found.reason, provider: found.provider };
      remember(key, mark);
      return mark ?? undefined;
    } catch (err) {
      options.log.warn(
        { err: (err as Error).message, notificationId: job.notificationId },
        'address state lookup failed; sending as if the address were not marked',
      );
      return undefined;
    }
  }
  return {
    invalid(job) {
      const key = keyOf(job);
      const hit = cache.get(key);
      // A hit is answered as a value: the pipeline then needs no await (the common case).
      if (hit !== undefined && hit.expiresAt > options.now()) return hit.mark ?? undefined;
      return lookUp(job, key);
    },
    async markInvalid(job, mark) {
      remember(keyOf(job), mark);
      try {
        await source.markInvalid({
          tenant: job.tenant,
          channel: job.channel,
          address: job.recipient.address,
          reason: mark.reason,
          provider: mark.provider,
          notificationId: job.notificationId,
          at: new Date(options.now()),
        });
        options.log.info(
          { notificationId: job.notificationId, provider: mark.provider, channel: job.channel },
          'address marked invalid; later jobs to it are suppressed',
        );
      } catch (err) {
        options.log.warn(
          { err: (err as Error).message, notificationId: job.notificationId },
          'address state not recorded; the next refusal records it',
        );
      }
    },
  };
}
