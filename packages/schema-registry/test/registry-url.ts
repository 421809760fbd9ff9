import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const stack = fileURLToPath(new URL('../../../deploy/local/stack.sh', import.meta.url));

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/config`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The local stack's schema registry: SCHEMA_REGISTRY_URL when it answers, else
 * `stack.sh up registry` (idempotent, quick when it already runs) and its address.
 */
export async function schemaRegistryUrl(): Promise<string> {
  const given = process.env.SCHEMA_REGISTRY_URL;
  if (given !== undefined && given !== '' && (await answers(given))) return given;
  execFileSync('bash', [stack, 'up', 'registry'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const env = execFileSync('bash', [stack, 'env'], { encoding: 'utf8' });
  const url = /^export SCHEMA_REGISTRY_URL=(.*)$/m.exec(env)?.[1];
  if (url === undefined)
    throw new Error('deploy/local/stack.sh env printed no SCHEMA_REGISTRY_URL');
  return url;
}

/** Deletes every subject whose name starts with `prefix` (soft, then permanently). */
export async function deleteSubjects(url: string, prefix: string): Promise<void> {
  const response = await fetch(`${url}/subjects`);
  const subjects = (await response.json()) as string[];
  for (const subject of subjects.filter((s) => s.startsWith(prefix))) {
    const path = `${url}/subjects/${encodeURIComponent(subject)}`;
    await (await fetch(path, { method: 'DELETE' })).arrayBuffer();
    await (await fetch(`${path}?permanent=true`, { method: 'DELETE' })).arrayBuffer();
  }
}
