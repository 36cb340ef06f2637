/**
 * The process's soft limit on open files (Linux: /proc/self/limits), or undefined where it cannot be read. Every
 * socket is a file descriptor; the bench found a gateway at the limit loses its other I/O, so the WebSocket cap
 * is derived from this with headroom for the database pool, Redis, upstream connections and files.
 */
import { readFileSync } from 'node:fs';

export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    const value = soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
    return value !== undefined && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Sockets to accept: the configured cap, else the file limit less headroom (at least 100). */
export function socketCap(configured: number | undefined, fileLimit: number | undefined, headroom = 1_024): number {
  if (configured !== undefined) return configured;
  if (fileLimit === undefined) return 1_000_000;
  return Math.max(100, fileLimit - headroom);
}
