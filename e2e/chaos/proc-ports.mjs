// The local TCP ports a process holds open (Linux /proc), so the chaos receiver can tell
// which worker a connection belongs to: the requests on a worker's connections when it
// is SIGKILLed are its sends in flight.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Local ports of `pid`'s TCP sockets (IPv4 and IPv6); empty where /proc is unreadable. */
export function tcpPortsOf(pid) {
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return new Set();
  }
  const ports = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9])) continue;
      ports.add(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return ports;
}
