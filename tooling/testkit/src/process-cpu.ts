import { readFile } from 'node:fs/promises';

/**
 * CPU seconds (user + system) a process on this host has used, from /proc (e.g. a
 * Postgres backend's, which the client's own CPU does not show); undefined when there
 * is no such process here (it exited, or runs on another host).
 */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after "(comm)", which may hold spaces: state is field 3, utime 14 and stime 15
  // (clock ticks, 100 a second).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
