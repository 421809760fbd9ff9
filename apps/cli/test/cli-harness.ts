/**
 * What the CLI tests share: running `herald …` in-process against a test database,
 * capturing its output, and writing input files to a temporary folder.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildCli, parseCliEnv } from '@herald/cli';
import { silentLogger } from '@herald/core';

/**
 * `herald(...args)` on the database `databaseUrl()` names (read at each call: tests make
 * their database in beforeAll), as `actor` (HERALD_ACTOR); resolves to what it printed.
 */
export function cliOn(
  databaseUrl: () => string,
  actor = 'ci-bot',
): (...args: string[]) => Promise<string> {
  return async (...args) => {
    const env = parseCliEnv({ DATABASE_URL: databaseUrl(), HERALD_ACTOR: actor });
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    await buildCli(env, silentLogger, out).parseAsync(['node', 'herald', ...args]);
    return text;
  };
}

/** Writes `text` to `dir/name` and returns the path. */
export async function writeTemp(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
