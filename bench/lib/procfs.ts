/**
 * Linux /proc readings for benches: memory and CPU time of a process, and TCP connection counts on a port
 * (to see keep-alive at work). Each returns undefined where /proc is unavailable, never throws.
 */
import { readFileSync } from 'node:fs';

export interface MemoryReading {
  /** Resident set size now, MiB (VmRSS). */
  rssMiB: number;
  /** Peak resident set size since start, MiB (VmHWM). */
  peakRssMiB: number;
}

export function memoryOf(pid: number): MemoryReading | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat. 100 on every mainstream Linux build (man 5 proc). */
const CLOCK_TICKS_PER_SEC = 100;

/** User + system CPU time of a process (all its threads), in ms. Resolution is 10 ms. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

export interface TcpCounts {
  /** ESTABLISHED connections whose server side is `port` (counted once, from the server's end). */
  established: number;
  /** Sockets in TIME_WAIT involving `port`: many of them mean connections are being opened and closed. */
  timeWait: number;
}

/** Counts IPv4 and IPv6 TCP sockets for a local server port, from /proc/net/tcp{,6} (man 5 proc). */
export function tcpCountsFor(port: number): TcpCounts | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let established = 0;
  let timeWait = 0;
  let readAny = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
      readAny = true;
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length < 4) continue;
      const local = cols[1]!;
      const remote = cols[2]!;
      const state = cols[3]!;
      const localIsServer = local.endsWith(`:${hexPort}`);
      if (state === '01' && localIsServer) established++;
      if (state === '06' && (localIsServer || remote.endsWith(`:${hexPort}`))) timeWait++;
    }
  }
  return readAny ? { established, timeWait } : undefined;
}
