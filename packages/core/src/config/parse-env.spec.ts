import { HeraldError } from '../errors.js';
import { databaseEnv, kafkaEnv } from './env-fragments.js';
import { parseEnv } from './parse-env.js';

const shape = { ...kafkaEnv(), ...databaseEnv() };
const good = {
  KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:29092',
  DATABASE_URL: 'postgres://h:h@127.0.0.1:15432/h',
};

describe('parseEnv', () => {
  it('parses, applies defaults and freezes', () => {
    const env = parseEnv(shape, { ...good, PATH: '/usr/bin' });
    expect(env.KAFKA_BROKERS).toEqual(['127.0.0.1:19092', '127.0.0.1:29092']);
    expect(env.HERALD_TOPIC_PARTITIONS).toBe(6);
    expect(Object.isFrozen(env)).toBe(true);
    expect(Object.isFrozen(env.KAFKA_BROKERS)).toBe(true);
  });

  it('names every bad setting, what it received and the expected form', () => {
    let error: unknown;
    try {
      parseEnv(shape, {
        KAFKA_BROKERS: 'localhost',
        DATABASE_URL: 'mysql://x',
        HERALD_TOPIC_PARTITIONS: 'many',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HeraldError);
    const message = (error as Error).message;
    expect(message).toMatch(/^HERALD_ERR_CONFIG_INVALID/);
    expect(message).toMatch(
      /KAFKA_BROKERS: expected a comma-separated list of host:port.*received "localhost"/,
    );
    expect(message).toMatch(/DATABASE_URL: expected a postgres:\/\/ URL.*received "mysql:\/\/x"/);
    expect(message).toMatch(/HERALD_TOPIC_PARTITIONS: .*received "many"/);
  });

  it('says when a required setting is not set', () => {
    expect(() => parseEnv(shape, { KAFKA_BROKERS: '127.0.0.1:1' })).toThrow(
      /DATABASE_URL: .*\(not set\)/,
    );
  });

  it('refuses an unknown HERALD_ setting and suggests the closest one', () => {
    expect(() => parseEnv(shape, { ...good, HERALD_TOPIC_PARTITONS: '3' })).toThrow(
      /unknown setting HERALD_TOPIC_PARTITONS: did you mean HERALD_TOPIC_PARTITIONS\?/,
    );
  });

  it('treats an empty value as unset', () => {
    expect(parseEnv(shape, { ...good, HERALD_TOPIC_PREFIX: '' }).HERALD_TOPIC_PREFIX).toBe('');
  });
});
