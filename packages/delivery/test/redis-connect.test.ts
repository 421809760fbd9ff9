/**
 * `connectRedis` against a Redis Cluster this test starts (Debian's redis-server) in
 * the state of a cluster just created: up, but `cluster_state:fail` until its slots are
 * assigned. ioredis' own `connect()` promise is lost in the reconnect this causes; an
 * app awaiting it hung in its start for ever. `connectRedis` resolves once the cluster
 * is ready, and gives up with an error (the app's start is retried) when it stays down.
 */
import { Redis } from 'ioredis';
import { connectRedis, createRedisClient } from '@herald/delivery';
import { ownRedis, type OwnRedis } from '@herald/testkit';

let redis: OwnRedis;
let port: number;

beforeAll(async () => {
  // A cluster of one node: it must announce the address the client uses.
  redis = await ownRedis(['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1']);
  port = redis.port;
  await redis.start();
});

afterAll(() => redis.remove());

it('waits for a cluster that is not ready yet, and gives up on one that stays so', async () => {
  const early = createRedisClient(`redis+cluster://127.0.0.1:${port}`, { mode: 'stage' });
  await expect(connectRedis(early, 1_500)).rejects.toThrow('redis was not ready within 1500 ms');
  early.disconnect();

  const client = createRedisClient(`redis+cluster://127.0.0.1:${port}`, { mode: 'stage' });
  const connecting = connectRedis(client, 20_000);
  await new Promise((r) => setTimeout(r, 1_000));
  const admin = new Redis({ port });
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  admin.disconnect();
  await connecting;
  await client.set('k', 'v');
  expect(await client.get('k')).toBe('v');
  client.disconnect();
});
