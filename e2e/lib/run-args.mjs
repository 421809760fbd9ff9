// What the chaos and soak drivers share about how they are called.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (e2e/lib/../..). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `--name value`, `--name=value` and bare `--flag` arguments as an object
 * (`{ name: 'value', flag: undefined }`: test a flag with `'flag' in args`).
 */
export function runArgs(argv = process.argv.slice(2)) {
  return Object.fromEntries(
    argv
      .join(' ')
      .split(/\s*--/)
      .filter(Boolean)
      .map((a) => a.split(/[ =]/)),
  );
}
