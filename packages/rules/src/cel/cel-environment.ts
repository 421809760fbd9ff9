import { Environment } from '@marcbachmann/cel-js';
import { replaceBuiltins } from './cel-builtins.js';
import { registerFormat, stringReplacements } from './cel-format.js';
import { registerMath } from './cel-math.js';
import { numericReplacements, registerNumeric } from './cel-numeric.js';
import { registerTimeConversions, timeReplacements } from './cel-time.js';

/**
 * The cel-js environment every Herald expression runs in, before its variables are
 * declared: the options, the extensions (`math.*`, `"...".format()`), the overloads
 * cel-js lacks and the built-ins Herald corrects (cel-builtins.ts). `CelEngine`
 * declares `event`, `recipient` and `now` on it; the conformance run
 * (packages/rules/conformance) declares each test's variables on it, so both have the
 * same semantics.
 */
export function celEnvironment(): Environment {
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
  registerNumeric(env);
  registerTimeConversions(env);
  registerMath(env);
  registerFormat(env);
  // Last: registering overloads can rebuild a candidate list from the originals.
  replaceBuiltins(env, [...numericReplacements, ...timeReplacements, ...stringReplacements]);
  return env;
}
