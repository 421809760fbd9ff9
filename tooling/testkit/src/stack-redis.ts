import { Cluster, Redis } from 'ioredis';
import { redisClusterNodes } from '@herald/core';
import { stackEnv } from './stack-env.js';

/**
 * A plain client of the stack's Redis for test set-up and checks: a single Redis, or
 * the Redis Cluster when REDIS_URL is `redis+cluster://…` (`deploy/local/stack.sh
 * cluster env`), so the Redis-using suites run in both modes.
 */
export function stackRedis(url = stackEnv().REDIS_URL): Redis | Cluster {
  const cluster = redisClusterNodes(url);
  if (cluster === undefined) return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  return new Cluster(cluster.nodes, {
    lazyConnect: true,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
}

/**
 * Deletes every key starting with `prefix`: on a Cluster, on each primary (a scan is per
 * node). SCAN, not KEYS: KEYS blocks a shared Redis for as long as it walks every key
 * (seconds on a stack that has kept millions), and other runs' commands time out meanwhile.
 */
export async function deleteRedisKeys(redis: Redis | Cluster, prefix: string): Promise<void> {
  if (prefix === '') throw new Error('refusing to delete every key');
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    for await (const keys of node.scanStream({ match: `${prefix}*`, count: 1_000 })) {
      // One DEL per key: keys of different slots cannot share a command on a Cluster.
      await Promise.all((keys as string[]).map((key) => node.del(key)));
    }
  }
}

/**
 * `deleteRedisKeys` on the stack's Redis through a client of its own, opened and closed
 * here: the clean-up a test run defers to its end, when its other clients are gone.
 *
 * @example
 * run.defer(() => deleteStackRedisKeys(prefix));
 */
export async function deleteStackRedisKeys(prefix: string): Promise<void> {
  const redis = stackRedis();
  try {
    await deleteRedisKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
