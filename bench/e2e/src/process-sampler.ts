import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ProcessUsage {
  readonly name: string;
  /** CPU seconds (user + system) used during the run. */
  readonly cpuSeconds: number;
  /** Peak resident set size (VmHWM), MiB. */
  readonly peakRssMiB: number;
}

/** /proc/<pid>/stat's fields after the command name (which may contain spaces). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function cpuTicks(pid: number): number {
  // utime is the 14th field, stime the 15th (indexes 11, 12 after the name).
  const fields = statFields(pid);
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * A process with its children: its own ticks, those of its children it has reaped
 * (cutime, cstime: Postgres backends that ended), and those of its live children (the
 * backends, found by their parent pid). A child that ends between two readings moves
 * from the live sum to the reaped one, so nothing is counted twice or lost.
 */
function treeTicks(pid: number): number {
  const fields = statFields(pid);
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const child = statFields(Number(entry));
      if (Number(child[1]) === pid) ticks += Number(child[11]) + Number(child[12]);
    } catch {
      // ended while we looked: its ticks are in the parent's reaped sum
    }
  }
  return ticks;
}

function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Separates a group's name from a member's pid in the sampler's keys. */
const GROUP = '#';

interface Sampled {
  readonly pid: number;
  readonly ticks: number;
  readonly tree: boolean;
}

/** CPU and peak memory of a set of processes between start() and stop(). */
export class ProcessSampler {
  readonly #start = new Map<string, Sampled>();
  readonly #last = new Map<string, ProcessUsage>();

  /** Processes on their own (the apps: their children are not theirs to count). */
  start(processes: ReadonlyMap<string, number>): void {
    for (const [name, pid] of processes)
      this.#start.set(name, { pid, ticks: cpuTicks(pid), tree: false });
  }

  /**
   * Processes with their children, e.g. the stack's Postgres postmaster (its backends
   * are its children). Peak RSS is the parent's alone.
   */
  startTrees(processes: ReadonlyMap<string, number>): void {
    for (const [name, pid] of processes) {
      try {
        this.#start.set(name, { pid, ticks: treeTicks(pid), tree: true });
      } catch {
        // not on this host (or gone): not sampled
      }
    }
  }

  /**
   * Several processes as one (e.g. the Postgres backends serving the bench's database:
   * the audit's own cost, without the checkpointer's or autovacuum's). Peak RSS is the
   * largest of them.
   */
  startGroup(name: string, pids: readonly number[]): void {
    for (const pid of pids) {
      try {
        this.#start.set(`${name}${GROUP}${pid}`, { pid, ticks: cpuTicks(pid), tree: false });
      } catch {
        // gone already
      }
    }
  }

  /**
   * Members that joined a group after start() (e.g. backends a pool opened during the
   * run): counted from zero, as they did not exist when the measurement began.
   */
  joinGroup(name: string, pids: readonly number[]): void {
    for (const pid of pids) {
      const key = `${name}${GROUP}${pid}`;
      if (!this.#start.has(key)) this.#start.set(key, { pid, ticks: 0, tree: false });
    }
  }

  /** Reads the counters now; call before the processes exit. */
  sample(): ProcessUsage[] {
    for (const [name, { pid, ticks, tree }] of this.#start) {
      try {
        this.#last.set(name, {
          name,
          cpuSeconds: ((tree ? treeTicks(pid) : cpuTicks(pid)) - ticks) / CLOCK_TICKS,
          peakRssMiB: Math.round(peakRss(pid)),
        });
      } catch {
        // exited: keep the last reading
      }
    }
    // Members of a group summed under the group's name, in first-seen order.
    const usage = new Map<string, ProcessUsage>();
    for (const u of this.#last.values()) {
      const name = u.name.split(GROUP)[0]!;
      const seen = usage.get(name);
      usage.set(
        name,
        seen === undefined
          ? { ...u, name }
          : {
              name,
              cpuSeconds: seen.cpuSeconds + u.cpuSeconds,
              peakRssMiB: Math.max(seen.peakRssMiB, u.peakRssMiB),
            },
      );
    }
    return [...usage.values()];
  }
}

/**
 * The local stack's processes (`deploy/local/stack.sh pids`: postgres, kafka, redis),
 * as name → pid; empty when the stack runs elsewhere.
 */
export function parseStackPids(output: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of output.split('\n')) {
    const match = /^(\w+) (\d+)$/.exec(line.trim());
    if (match) pids.set(match[1]!, Number(match[2]));
  }
  return pids;
}
