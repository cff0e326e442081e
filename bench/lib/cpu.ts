// CPU time the processes of a measurement used, read from /proc (Linux), so a case can show where
// a request's cost goes and what the machine's cores allow at that cost: the benchmark server
// (by its pid, or as it reports its own, see servers/statements.ts), the load generator (this
// process) and the
// local PostgreSQL server with every backend, live ones from their own counters and exited ones
// from the reaped-children counters of the postmaster.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc reports times in clock ticks of USER_HZ, 100 a second on Linux. */
const TICK_MS = 10;

interface Stat {
  comm: string;
  ppid: number;
  own: number; // utime + stime, ticks
  children: number; // cutime + cstime, ticks
}

function stat(pid: string): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone since the directory was listed
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // After "pid (comm) ": state, ppid, ... then utime, stime, cutime, cstime at 11 to 14.
  return {
    comm: text.slice(open + 1, close),
    ppid: Number(fields[1]),
    own: Number(fields[11]) + Number(fields[12]),
    children: Number(fields[13]) + Number(fields[14]),
  };
}

/** CPU milliseconds used so far by the local PostgreSQL server and all its backends; undefined when none runs here. */
export function postgresCpuMs(): number | undefined {
  const all = new Map<number, Stat>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = stat(pid);
    if (s?.comm === 'postgres') all.set(Number(pid), s);
  }
  if (all.size === 0) return undefined;
  let ticks = 0;
  for (const s of all.values()) {
    ticks += s.own;
    // The postmaster (whose parent is not a postgres process) has reaped every backend that exited.
    if (!all.has(s.ppid)) ticks += s.children;
  }
  return ticks * TICK_MS;
}

/** CPU milliseconds process `pid` (a benchmark server) has used so far. */
export function processCpuMs(pid: number): number {
  const s = stat(String(pid));
  if (!s) throw new Error(`process ${pid} is gone`);
  return s.own * TICK_MS;
}

/** CPU milliseconds this process (the load generator) has used so far. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
