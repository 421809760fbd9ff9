import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Kafka requests per app and API, as written by preload/kafka-requests.mjs. */
export type RequestCounts = Map<string, Map<string, number>>;

/** The running totals of every app's file in `dir` (an app not started yet: absent). */
export function readRequestCounts(dir: string): RequestCounts {
  const out: RequestCounts = new Map();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return out;
  }
  for (const file of files) {
    try {
      const { app, counts } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        app: string;
        counts: Record<string, number>;
      };
      out.set(app, new Map(Object.entries(counts)));
    } catch {
      // A file being replaced: the next read sees it.
    }
  }
  return out;
}

/**
 * One line per app: its requests between `before` and `after`, by API, most first, as a
 * rate (per second of `seconds`) and per delivery.
 */
export function requestLines(
  before: RequestCounts,
  after: RequestCounts,
  seconds: number,
  deliveries: number,
): string[] {
  const lines: string[] = [];
  let total = 0;
  for (const [app, counts] of [...after].sort(([a], [b]) => a.localeCompare(b))) {
    const diff = [...counts]
      .map(([api, n]) => [api, n - (before.get(app)?.get(api) ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    const sum = diff.reduce((s, [, n]) => s + n, 0);
    total += sum;
    lines.push(
      `  ${app}: ${sum} (${(sum / seconds).toFixed(0)}/s, ${(sum / Math.max(1, deliveries)).toFixed(3)}/delivery): ${diff
        .map(([api, n]) => `${api} ${n} (${(n / seconds).toFixed(0)}/s)`)
        .join(', ')}`,
    );
  }
  lines.push(
    `  all apps: ${total} (${(total / seconds).toFixed(0)}/s, ${(total / Math.max(1, deliveries)).toFixed(3)}/delivery)`,
  );
  return lines;
}
