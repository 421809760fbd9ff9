import { execFileSync } from 'node:child_process';
import { sleep } from '@herald/core';

// The stack's Redis as the bench sees it, through redis-cli (the stack's own package):
// what the run asked of it, and its append-only file compacted before a measured run.

function redisCli(url: string, ...args: string[]): string {
  return execFileSync('redis-cli', ['-u', url, ...args], { encoding: 'utf8' });
}

/** Calls per Redis command so far (INFO commandstats). Empty without redis-cli. */
export function redisCommandStats(url: string): Map<string, number> {
  const stats = new Map<string, number>();
  try {
    const out = redisCli(url, 'info', 'commandstats');
    for (const m of out.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(m[1]!, Number(m[2]));
  } catch {
    // no redis-cli: no counts
  }
  return stats;
}

/** INFO persistence, field by field: one redis-cli call answers every question of a moment. */
function persistence(url: string): Map<string, string> {
  const out = redisCli(url, 'info', 'persistence');
  return new Map([...out.matchAll(/^(\w+):(\S*)/gm)].map((m) => [m[1]!, m[2]!]));
}

/**
 * Rewrites the stack Redis' append-only file now and waits for it (at most `timeoutMs`),
 * so that a rewrite the warm-up's writes made due does not land inside the measured run.
 *
 * Redis rewrites the file in a forked child each time it has doubled since the last
 * rewrite, a core for 2–4 s on this 2-core machine. The marks live 7 days, so every
 * delivery of every warm-up grows the file: with 60,000-event warm-ups the stack's Redis
 * rewrote every ~45 s, inside most rate runs (+1.3 s of Redis CPU in a 15-s run at
 * 2,500/s, p99 215–547 against 132–246 ms; docs/benchmarks.md, round 13). From a
 * compacted file, a run's own writes still trigger a rewrite if they double it, as they
 * would anywhere. Does nothing when Redis keeps no append-only file, and warns when
 * redis-cli cannot do it.
 */
export async function compactRedisAof(url: string, timeoutMs = 60_000): Promise<void> {
  try {
    const before = persistence(url);
    if (before.get('aof_enabled') !== '1') return;
    // Refused while a rewrite runs already: waiting for that one does the same.
    if (before.get('aof_rewrite_in_progress') !== '1') redisCli(url, 'bgrewriteaof');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const now = persistence(url);
      if (now.get('aof_rewrite_in_progress') === '0' && now.get('aof_rewrite_scheduled') === '0')
        return;
      await sleep(200);
    }
    console.warn(
      `Redis' append-only file rewrite still running after ${timeoutMs} ms; measuring anyway`,
    );
  } catch (err) {
    // No redis-cli, or a Redis Cluster URL redis-cli -u cannot take: measure as it is,
    // but say so, since the run's Redis figures may then include a rewrite.
    console.warn(
      `Redis' append-only file not compacted before the run (${(err as Error).message.split('\n')[0]}); measuring anyway`,
    );
  }
}
