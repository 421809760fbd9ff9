/**
 * Summarises a V8 sampling heap profile (.heapprofile, from preload/alloc-profile.mjs):
 * the bytes allocated by each function itself (self) and by each package, and, for
 * Herald's own functions, the bytes allocated below them too (inclusive), so a job's path
 * shows which step of it allocates. Sampled: the figures are shares, not exact bytes.
 *
 *   node dist/alloc-summary.js <file.heapprofile> [top N]
 */
import { readFileSync } from 'node:fs';
import { frameLabel, packageOf, type CallFrame } from './code-package.js';

interface HeapNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: HeapNode[];
}

function summarise(file: string, top: number): void {
  const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head;
  const self = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  // Returns the bytes at and below `node`; a function's inclusive bytes are counted once
  // per path even when it recurses (the set of labels already on the path).
  const walk = (node: HeapNode, onPath: Set<string>): number => {
    const name = frameLabel(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + node.selfSize);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
    total += node.selfSize;
    const fresh = !onPath.has(name);
    if (fresh) onPath.add(name);
    let bytes = node.selfSize;
    for (const child of node.children) bytes += walk(child, onPath);
    if (fresh) {
      onPath.delete(name);
      if (pkg.startsWith('@herald/')) inclusive.set(name, (inclusive.get(name) ?? 0) + bytes);
    }
    return bytes;
  };
  walk(root, new Set());
  const mb = (b: number) => (b / 1048576).toFixed(1).padStart(8);
  const pct = (b: number) => ((100 * b) / total).toFixed(1).padStart(5);
  const print = (title: string, m: Map<string, number>) => {
    console.log(`-- ${title}`);
    for (const [k, b] of [...m].sort((a, z) => z[1] - a[1]).slice(0, top))
      console.log(`${mb(b)} MiB ${pct(b)}%  ${k}`);
  };
  console.log(`\n== ${file}\nsampled allocations ${mb(total).trim()} MiB`);
  print('self bytes by package', byPackage);
  print('self bytes by function', self);
  print("bytes at and below Herald's functions (inclusive)", inclusive);
}

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/alloc-summary.js <file.heapprofile> [top N]');
  process.exit(2);
}
summarise(file, Number(top ?? 30));
