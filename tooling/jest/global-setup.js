// Integration tests read KAFKA_BROKERS, DATABASE_URL and REDIS_URL. When they are
// unset, start the local stack (idempotent; concurrent callers wait on its lock) and
// export its addresses to the test workers, which inherit this process's env.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const stack = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));
const needed = ['KAFKA_BROKERS', 'DATABASE_URL', 'REDIS_URL'];

export default async function globalSetup() {
  if (needed.every((name) => process.env[name])) return;
  execFileSync('bash', [stack, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exports = execFileSync('bash', [stack, 'env'], { encoding: 'utf8' });
  for (const line of exports.split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    if (match && !process.env[match[1]]) process.env[match[1]] = match[2];
  }
}
