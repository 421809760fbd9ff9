/**
 * Property-based (fast-check) checks of settings parsing: any environment (known
 * names with random values, unknown HERALD_* names, noise) parses or is refused with
 * HERALD_ERR_CONFIG_INVALID / HERALD_ERR_CONFIG_UNKNOWN; nothing else is thrown.
 * Seeded; a failure prints its seed and path.
 */
import fc from 'fast-check';
import { isHeraldError } from '../errors.js';
import {
  databaseEnv,
  consumerEnv,
  kafkaEnv,
  lifecycleEnv,
  logEnv,
  redisEnv,
} from './env-fragments.js';
import { parseEnv } from './parse-env.js';

const FUZZ = { seed: 18_2026, numRuns: 400 };

const shape = {
  ...kafkaEnv(),
  ...consumerEnv({ minBytes: 1, maxWaitMs: 20 }),
  ...databaseEnv(),
  ...redisEnv(),
  ...logEnv(),
  ...lifecycleEnv(),
};
const names = Object.keys(shape);
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer().map(String),
  fc.constantFrom('', 'true', 'false', '-1', '0', '1e3', 'NaN', '127.0.0.1:1', 'redis://h:1'),
  fc.constantFrom('redis+cluster://a:1,b:2', 'postgres://u:p@h/db', 'a:1,,b:2', ' 1 '),
);
const env = fc.dictionary(
  fc.oneof(
    fc.constantFrom(...names),
    fc.string({ maxLength: 12 }).map((s) => `HERALD_${s}`),
  ),
  value,
  { maxKeys: 12 },
);

it('any environment parses or is refused with a settings code', () => {
  fc.assert(
    fc.property(env, (source) => {
      try {
        parseEnv(shape, source);
      } catch (err) {
        expect(isHeraldError(err)).toBe(true);
        expect(['HERALD_ERR_CONFIG_INVALID', 'HERALD_ERR_CONFIG_UNKNOWN']).toContain(
          (err as { code: string }).code,
        );
      }
    }),
    FUZZ,
  );
});
