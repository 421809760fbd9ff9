import { Environment } from '@marcbachmann/cel-js';
import { replaceBuiltins } from './cel-builtins.js';
import { celEnvironment } from './cel-environment.js';

describe('replaceBuiltins', () => {
  it('fails loudly when cel-js no longer has the overload it corrects', () => {
    expect(() =>
      replaceBuiltins(new Environment(), [
        { probe: '-dyn(1)', signature: '-_int: integer', replace: (original) => original },
      ]),
    ).toThrow(/cel-js built-in -_int: integer not found/);
  });

  it('replaces once per environment', () => {
    let calls = 0;
    const wrapped = (original: (a: bigint) => unknown) => {
      calls++;
      return original;
    };
    const env = celEnvironment();
    // The overflow fix is in place, and applying a replacement again leaves it alone.
    replaceBuiltins(env, [{ probe: '-dyn(1)', signature: '-_int: int', replace: wrapped }]);
    expect(calls).toBe(0);
    expect(() => env.evaluate('-(-9223372036854775808)')).toThrow(/integer overflow/);
  });
});
