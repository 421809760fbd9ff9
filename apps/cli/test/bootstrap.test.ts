/**
 * scripts/bootstrap.sh on a fresh clone must leave package-lock.json as committed.
 * It used to rewrite it: the committed lock lacked the other platforms' optional
 * packages (@swc/core-darwin-arm64, @turbo/windows-64, ...), which `npm install` adds back.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface LockEntry {
  readonly optionalDependencies?: Record<string, string>;
}

it('the lock lists every optional dependency of every locked package (all platforms)', async () => {
  const lock = JSON.parse(await readFile(`${root}package-lock.json`, 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      // npm resolves from the package's own node_modules up to the root's.
      const candidates = [`${path}/node_modules/${name}`, `node_modules/${name}`];
      if (!candidates.some((c) => c in lock.packages)) missing.push(`${path} → ${name}`);
    }
  }
  expect(missing).toEqual([]);
});

it('bootstrap installs without writing package.json or the lock', async () => {
  const script = await readFile(`${root}scripts/bootstrap.sh`, 'utf8');
  expect(script).toMatch(/^\s+npm install --no-save /m);
});
