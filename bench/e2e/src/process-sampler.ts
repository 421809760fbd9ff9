import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ProcessUsage {
  readonly name: string;
  /** CPU seconds (user + system) used during the run. */
  readonly cpuSeconds: number;
  /** Peak resident set size (VmHWM), MiB. */
  readonly peakRssMiB: number;
}

function cpuTicks(pid: number): number {
  // Fields after the command name, which may contain spaces: utime is 14th, stime 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** CPU and peak memory of a set of processes between start() and stop(). */
export class ProcessSampler {
  readonly #start = new Map<string, { pid: number; ticks: number }>();
  readonly #last = new Map<string, ProcessUsage>();

  start(processes: ReadonlyMap<string, number>): void {
    for (const [name, pid] of processes) this.#start.set(name, { pid, ticks: cpuTicks(pid) });
  }

  /** Reads the counters now; call before the processes exit. */
  sample(): ProcessUsage[] {
    for (const [name, { pid, ticks }] of this.#start) {
      try {
        this.#last.set(name, {
          name,
          cpuSeconds: (cpuTicks(pid) - ticks) / CLOCK_TICKS,
          peakRssMiB: Math.round(peakRss(pid)),
        });
      } catch {
        // exited: keep the last reading
      }
    }
    return [...this.#last.values()];
  }
}
