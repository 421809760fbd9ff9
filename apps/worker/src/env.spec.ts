import { isHeraldError } from '@herald/core';
import { parseWorkerEnv } from './env.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', HERALD_WORKER_CHANNELS: 'inapp' };

describe('worker settings for the inapp channel', () => {
  it('refuses inapp without the inbox’s Postgres and Redis, naming both', () => {
    let error: unknown;
    try {
      parseWorkerEnv(base);
    } catch (err) {
      error = err;
    }
    expect(isHeraldError(error, 'HERALD_ERR_CONFIG_INVALID')).toBe(true);
    expect(String(error)).toMatch(/inapp, which needs DATABASE_URL and REDIS_URL/);
    expect(() => parseWorkerEnv({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /needs DATABASE_URL \(/,
    );
  });

  it('accepts inapp with both', () => {
    const env = parseWorkerEnv({
      ...base,
      DATABASE_URL: 'postgres://h:h@127.0.0.1:5432/h',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(env.HERALD_WORKER_CHANNELS).toEqual(['inapp']);
  });
});
