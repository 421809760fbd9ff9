// Builds helm from the Go module proxy on first use (cached under .local/cache/), so a
// fresh machine needs only Go. HELM_BINARY points the tests at another helm.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../scripts/ensure-helm.sh', import.meta.url));

export default async function globalSetup() {
  process.env.HELM_BINARY = execFileSync('bash', [script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}
