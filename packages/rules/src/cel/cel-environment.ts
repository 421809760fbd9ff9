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
  assertCelJsPatched(env);
  registerNumeric(env);
  registerTimeConversions(env);
  registerMath(env);
  registerFormat(env);
  // Last: registering overloads can rebuild a candidate list from the originals.
  replaceBuiltins(env, [...numericReplacements, ...timeReplacements, ...stringReplacements]);
  return env;
}

export const CEL_JS_PATCH = 'patches/@marcbachmann+cel-js+8.0.0.patch';

let patched = false;

/**
 * Herald runs cel-js 8.0.0 with the fixes in `CEL_JS_PATCH` (parser, checker and
 * equality spec gaps), applied by the root `postinstall` (patch-package) on every
 * `npm install`/`npm ci`. An install that skipped it (`--ignore-scripts`, a copied
 * node_modules) would quietly run different CEL semantics, so the first environment
 * probes for it and refuses to start without it: `.5` is a double literal only with
 * the patch.
 */
function assertCelJsPatched(env: Environment): void {
  if (patched) return;
  try {
    env.parse('.5');
  } catch {
    throw new Error(
      `@marcbachmann/cel-js is missing Herald's patch (${CEL_JS_PATCH}); run npm install at the repository root (without --ignore-scripts) to apply it`,
    );
  }
  patched = true;
}
