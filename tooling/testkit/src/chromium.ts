import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/**
 * The path of a headless-capable Chromium for browser tests: Debian's `chromium`,
 * installed by scripts/chromium.sh when missing (idempotent: it only apt-installs
 * when no binary is on PATH). Drive it with playwright-core's
 * `chromium.launch({ executablePath: chromiumPath() })`.
 */
export function chromiumPath(): string {
  if (found !== undefined) return found;
  const script = fileURLToPath(new URL('../../../scripts/chromium.sh', import.meta.url));
  found = execFileSync('bash', [script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return found;
}

/**
 * Where a browser test saves its screenshots: `docs/images/` when
 * HERALD_UPDATE_SCREENSHOTS=1 (refreshing the pictures the docs show), else a fresh
 * temporary folder, so an ordinary test run leaves the checkout unchanged.
 */
export function screenshotDir(): string {
  if (process.env.HERALD_UPDATE_SCREENSHOTS === '1')
    return fileURLToPath(new URL('../../../docs/images/', import.meta.url));
  return `${mkdtempSync(join(tmpdir(), 'herald-screenshots-'))}/`;
}
