/** Where and on what a bench ran: stored with every result so figures are never read without their context. */
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  date: string;
  cores: number;
  cpuModel: string | undefined;
  totalMemMiB: number;
  /** 1/5/15-minute load averages when the bench started: a busy shared machine shows here. */
  loadAvg: number[];
  platform: string;
  kernel: string;
  bun: string;
  bunRevision: string;
  git: { commit: string | undefined; dirtyFiles: number | undefined };
  /** `wrk` on PATH (optional tool; the bench's own load generator does not need it). */
  wrk: string | null;
}

function git(rootDir: string, args: string[]): string | undefined {
  try {
    const out = Bun.spawnSync({ cmd: ['git', ...args], cwd: rootDir, stdout: 'pipe', stderr: 'ignore' });
    return out.exitCode === 0 ? out.stdout.toString().trim() : undefined;
  } catch {
    return undefined;
  }
}

export function machineInfo(rootDir: string): MachineInfo {
  const status = git(rootDir, ['status', '--porcelain']);
  return {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    totalMemMiB: Math.round(totalmem() / 2 ** 20),
    loadAvg: loadavg().map((n) => Math.round(n * 100) / 100),
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    bun: Bun.version,
    bunRevision: Bun.revision,
    git: { commit: git(rootDir, ['rev-parse', 'HEAD']), dirtyFiles: status === undefined ? undefined : status.split('\n').filter(Boolean).length },
    wrk: Bun.which('wrk'),
  };
}
