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

describe('HERALD_WORKER_SENDING_STATUS', () => {
  const webhook = { KAFKA_BROKERS: '127.0.0.1:9092' };

  it('is off by default: outcomes only', () => {
    expect(parseWorkerEnv(webhook).HERALD_WORKER_SENDING_STATUS).toBe(false);
  });

  it('reads true/false and 1/0, and refuses anything else with the setting named', () => {
    expect(
      parseWorkerEnv({ ...webhook, HERALD_WORKER_SENDING_STATUS: 'true' })
        .HERALD_WORKER_SENDING_STATUS,
    ).toBe(true);
    expect(
      parseWorkerEnv({ ...webhook, HERALD_WORKER_SENDING_STATUS: '0' })
        .HERALD_WORKER_SENDING_STATUS,
    ).toBe(false);
    let error: unknown;
    try {
      parseWorkerEnv({ ...webhook, HERALD_WORKER_SENDING_STATUS: 'yes' });
    } catch (err) {
      error = err;
    }
    expect(isHeraldError(error, 'HERALD_ERR_CONFIG_INVALID')).toBe(true);
    expect(String(error)).toMatch(/HERALD_WORKER_SENDING_STATUS.*expected true or false/);
  });
});
