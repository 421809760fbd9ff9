/**
 * Summarises V8 .cpuprofile files (from `--cpu-prof`): total sampled time, idle, GC,
 * and self time by function and by package (node_modules/<pkg>, @herald/<pkg>, node:*).
 *
 *   node dist/profile-summary.js <file.cpuprofile> [top N]
 */
import { readFileSync } from 'node:fs';
import { frameLabel, packageOf, type CallFrame } from './code-package.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Native frames (writev, writeUtf8String, …) charged to the first JavaScript package above them.
  const callerPackage = (id: number): string => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      const pkg = packageOf(url, functionName);
      if (url && !pkg.startsWith('node:')) return pkg;
    }
    return '?';
  };
  const nativeByCaller = new Map<string, number>();
  // Busy share per second of the profile: when the process was working and when waiting.
  const busyPerSecond: number[] = [];
  let clock = 0;
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    clock += dt;
    const { functionName, url } = byId.get(id)!.callFrame;
    if (functionName !== '(idle)') {
      const sec = Math.floor(clock / 1e6);
      busyPerSecond[sec] = (busyPerSecond[sec] ?? 0) + dt;
      if (!url && !functionName.startsWith('(')) {
        const key = `${functionName} ← ${callerPackage(id)}`;
        nativeByCaller.set(key, (nativeByCaller.get(key) ?? 0) + dt);
      }
    }
  });
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  let idle = 0;
  let total = 0;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const { functionName, url } = frame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const pkg = packageOf(url, functionName);
    const fn = frameLabel(frame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
  const pct = (us: number) => ((100 * us) / busy).toFixed(1).padStart(5);
  console.log(`\n== ${file}`);
  console.log(
    `wall ${wallMs.toFixed(0)} ms, sampled ${ms(total)} ms, busy (not idle) ${ms(busy)} ms = ${((100 * busy) / total).toFixed(1)}%`,
  );
  console.log(`-- self time by package (% of busy)`);
  for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${ms(v)} ms ${pct(v)}%  ${k}`);
  console.log(`-- busy % per second of the profile`);
  console.log(Array.from(busyPerSecond, (us) => Math.round((us ?? 0) / 1e4)).join(' '));
  console.log(`-- native self time by the JavaScript package above it`);
  for (const [k, v] of [...nativeByCaller].sort((a, b) => b[1] - a[1]).slice(0, 10))
    console.log(`${ms(v)} ms ${pct(v)}%  ${k}`);
  console.log(`-- self time by function (% of busy)`);
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${ms(v)} ms ${pct(v)}%  ${k}`);
}

const args = process.argv.slice(2);
const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 25);
for (const file of args.filter((a) => !/^\d+$/.test(a))) summarise(file, top);
