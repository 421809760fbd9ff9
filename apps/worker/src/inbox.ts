import type { Kysely } from 'kysely';
import type { Cluster, Redis } from 'ioredis';
import type { ChannelName } from '@herald/core';
import {
  createInappProvider,
  InboxFanout,
  InboxStore,
  type InappProviderDeps,
} from '@herald/inbox';
import type { HeraldDatabase } from '@herald/store';
import type { WorkerEnv } from './env.js';

/**
 * The `inapp` channel's provider when the worker serves it: stores into the inbox
 * (Postgres) and publishes live notes (Redis Pub/Sub, channels under the topic prefix,
 * which the gateway uses too). `bind` hands it the connections once they are up;
 * parseWorkerEnv already refused `inapp` without DATABASE_URL and REDIS_URL.
 */
export function startInbox(env: WorkerEnv, channels: readonly ChannelName[], now: () => Date) {
  let deps: InappProviderDeps | undefined;
  const provider = channels.includes('inapp') ? createInappProvider(() => deps) : undefined;
  return {
    providers: provider === undefined ? {} : { inapp: provider },
    bind(db: Kysely<HeraldDatabase> | undefined, redis: Redis | Cluster | undefined): void {
      if (provider === undefined || db === undefined || redis === undefined) return;
      deps = {
        store: new InboxStore(db, { now }),
        fanout: new InboxFanout({ publisher: redis, keyPrefix: env.HERALD_TOPIC_PREFIX }),
      };
    },
  };
}
