import { z } from 'zod';
import { redisEnv } from './env-fragments.js';
import { redisClusterNodes } from './redis-url.js';

it('reads the seed nodes, TLS and credentials of a redis+cluster:// URL', () => {
  expect(redisClusterNodes('redis://127.0.0.1:16379')).toBeUndefined();
  expect(redisClusterNodes('redis+cluster://127.0.0.1:7001,127.0.0.1:7002')).toEqual({
    nodes: [
      { host: '127.0.0.1', port: 7001 },
      { host: '127.0.0.1', port: 7002 },
    ],
    tls: false,
  });
  expect(redisClusterNodes('rediss+cluster://app:p%40ss@redis-a:6380,redis-b:6380/')).toEqual({
    nodes: [
      { host: 'redis-a', port: 6380 },
      { host: 'redis-b', port: 6380 },
    ],
    tls: true,
    username: 'app',
    password: 'p@ss',
  });
});

it('REDIS_URL accepts redis://, rediss:// and a cluster URL, and refuses a cluster URL without nodes', () => {
  const schema = z.object(redisEnv());
  for (const ok of [
    'redis://h:1',
    'rediss://h:1',
    'redis+cluster://a:1,b:2',
    'rediss+cluster://u:p@a:1',
  ])
    expect(schema.safeParse({ REDIS_URL: ok }).success).toBe(true);
  for (const bad of ['http://h:1', 'redis+cluster://', 'redis+cluster://a,b', 'cluster://a:1'])
    expect(schema.safeParse({ REDIS_URL: bad }).success).toBe(false);
});
