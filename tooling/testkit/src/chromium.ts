import { execFileSync } from 'node:child_process';
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
