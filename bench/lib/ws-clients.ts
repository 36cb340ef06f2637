/**
 * Runs `bench/lib/ws-client.ts` jobs in their own Bun processes for the `ws` suite: each job is one process whose
 * first JSON line with the expected `event` is its answer. `hold` processes stay alive (holding their sockets)
 * until stopped.
 */
import { spawnManaged, type ManagedProcess } from './processes';
import type { Job } from './ws-client';

export interface ClientProcess<T> {
  process: ManagedProcess;
  result: Promise<T>;
  stop(): Promise<void>;
}

/** Spawns a client job; `result` resolves with its `opened` (hold) or `result` line. */
export function runClientJob<T = Record<string, any>>(rootDir: string, job: Job, name: string, timeoutMs: number): ClientProcess<T> {
  // The spawned shell tries to lift the soft fd limit to the hard one (a no-op when they are equal).
  const proc = spawnManaged({
    name,
    cmd: ['sh', '-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, 'run', 'bench/lib/ws-client.ts', JSON.stringify(job)],
    cwd: rootDir,
    env: { ...process.env },
  });
  const want = job.kind === 'hold' ? 'opened' : 'result';
  const result = proc.waitForLine((_line, json) => (json?.event === want ? (json as T) : undefined), timeoutMs);
  return { process: proc, result, stop: () => proc.stop(2000) };
}

/** Max open files of a process (soft limit), from /proc. */
export async function fdLimitOf(pid: number): Promise<number | undefined> {
  try {
    const m = /Max open files\s+(\d+)/.exec(await Bun.file(`/proc/${pid}/limits`).text());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Open file descriptors of a process. */
export function fdCountOf(pid: number): number | undefined {
  try {
    return require('node:fs').readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}
