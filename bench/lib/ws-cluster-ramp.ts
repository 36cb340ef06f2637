/**
 * The `ws` suite's cluster ramp (`bun run bench -- --suite ws --cluster-ramp K`): how many idle authenticated
 * gateway WebSocket connections ONE machine holds across K gateway instances (each process has its own fd limit,
 * so one instance stops near `ulimit -n` - 1024, its WS_MAX_CONNECTIONS default).
 *
 * Starts K gateways sharing Postgres + Redis (`startCluster`, `EMBEDDINGS_MODEL=none`, `LOG_LEVEL=warn`, small DB
 * pools so K instances stay under Postgres' max_connections), then opens idle connections in steps of a machine-wide
 * total, split evenly over the instances. Client processes (bench/lib/ws-client.ts `hold` jobs) each target one
 * instance, at most `perClientProcess` sockets each (a client process has the same fd limit), spread over
 * 127.0.0.1-.8. Per step: total open, failures and the most common error, connect rate, summed server and client
 * RSS, kernel TCP memory, MemAvailable and machine CPU busy during the step. Stops at the first bad step, on low
 * memory, or when the time budget is used up, and says which.
 */
import { readFileSync } from 'node:fs';
import { startCluster, type Cluster } from './cluster';
import { cpuMsOf, memoryOf } from './procfs';
import type { SuiteContext } from './suite';
import type { Table } from './table';
import { fmt } from './table';
import type { Job, Target } from './ws-client';
import { fdCountOf, fdLimitOf, runClientJob, type ClientProcess } from './ws-clients';

export interface ClusterRampOptions {
  instances: number;
  /** Machine-wide totals of open connections, ascending. */
  steps: number[];
  apiKey: string;
  hosts: number;
  perClientProcess: number;
  /** A step whose client processes do not all report within this stops the ramp. */
  stepTimeLimitMs: number;
  /** No new step starts after this much ramp time. */
  budgetMs: number;
  /** Concurrent connects per client process. */
  inflight: number;
  connectTimeoutMs: number;
  /** A client process stops trying after this many failures (a server at its cap would make every step slow). */
  maxFailuresPerProcess: number;
  /** No new step starts when MemAvailable is below this. */
  minAvailableMiB: number;
  databaseUrl: string;
  redisUrl: string;
}

export interface ClusterRampStep {
  target: number;
  opened: number;
  /** Open connections per instance after the step. */
  perInstance: number[];
  failed: number;
  notAttempted: number;
  topError: string | undefined;
  errors: Record<string, number>;
  closedAfterOpen: number;
  stepMs: number;
  connectsPerSec: number;
  serverRssMiB: number;
  serverRssDeltaMiB: number;
  kibPerConnection: number;
  serverFdsMax: number | undefined;
  clientRssMiB: number;
  clientProcesses: number;
  /** Kernel TCP buffer memory (/proc/net/sockstat `mem`, pages), MiB: not in any process's RSS. */
  kernelTcpMiB: number | undefined;
  tcpInUse: number | undefined;
  /** nf_conntrack entries / max, when netfilter is loaded (a full table drops new connections). */
  conntrack: string | undefined;
  memAvailableMiB: number | undefined;
  /** Machine CPU busy during the step (all cores, /proc/stat), %. */
  cpuBusyPct: number | undefined;
  /** Server CPU time during the step, summed over instances, s. */
  serverCpuS: number | undefined;
}

export interface ClusterRampResult {
  instances: number;
  settings: Omit<ClusterRampOptions, 'databaseUrl' | 'redisUrl' | 'apiKey'>;
  baselineServerRssMiB: number;
  baselineServerRssPerInstanceMiB: number[];
  baselineMemAvailableMiB: number | undefined;
  memTotalMiB: number | undefined;
  serverFdLimit: number | undefined;
  clientFdLimit: number | undefined;
  /** Per-instance socket cap (WS_MAX_CONNECTIONS default = fd limit - 1024) and K times it. */
  perInstanceCap: number | undefined;
  clusterCap: number | undefined;
  steps: ClusterRampStep[];
  stoppedBy: string;
  durationMs: number;
  serverTails?: Record<string, string[]>;
}

const sleep = (ms: number) => Bun.sleep(ms);

/** One key per kind of error: Bun's messages name the URL (host and port), which would split them per address. */
const errorKey = (message: string) => message.replace(/WebSocket connection to '[^']*' failed: /, '').slice(0, 120);

function meminfo(): { availableMiB?: number; totalMiB?: number } {
  try {
    const text = readFileSync('/proc/meminfo', 'utf8');
    const kib = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024;
    return { availableMiB: kib('MemAvailable'), totalMiB: kib('MemTotal') };
  } catch {
    return {};
  }
}

function sockstat(): { inuse?: number; memMiB?: number } {
  try {
    const m = /^TCP: inuse (\d+) .*mem (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
    return m ? { inuse: Number(m[1]), memMiB: (Number(m[2]) * 4096) / 2 ** 20 } : {};
  } catch {
    return {};
  }
}

function conntrack(): string | undefined {
  try {
    const read = (f: string) => readFileSync(`/proc/sys/net/netfilter/nf_conntrack_${f}`, 'utf8').trim();
    return `${read('count')}/${read('max')}`;
  } catch {
    return undefined;
  }
}

/** [busy, total] jiffies over all cores from /proc/stat. */
function cpuTicks(): [number, number] | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return [total - idle, total];
  } catch {
    return undefined;
  }
}

export async function clusterRamp(ctx: SuiteContext, o: ClusterRampOptions): Promise<ClusterRampResult> {
  const started = performance.now();
  let cluster: Cluster | undefined;
  const holders: ClientProcess<any>[] = [];
  const steps: ClusterRampStep[] = [];
  let stoppedBy = 'reached the last step';
  let clientFdLimit: number | undefined;
  let serverTails: Record<string, string[]> | undefined;
  try {
    ctx.log(`ws: cluster ramp: starting ${o.instances} gateways (Postgres + Redis, EMBEDDINGS_MODEL=none, LOG_LEVEL=warn)`);
    cluster = await startCluster({
      rootDir: ctx.rootDir,
      instances: o.instances,
      databaseUrl: o.databaseUrl,
      redisUrl: o.redisUrl,
      apiKeys: `${o.apiKey}:ws-bench`,
      logLevel: 'warn',
      // Idle sockets need no DB; small pools keep K instances under Postgres' default max_connections (100).
      env: { HOST: '0.0.0.0', EMBEDDINGS_MODEL: 'none', DB_POOL_MAX: '4' },
    });
    const gws = cluster.gateways;
    const exitCodes: Array<number | undefined> = gws.map(() => undefined);
    gws.forEach((g, i) => void g.process.exited.then((code) => (exitCodes[i] = code)));
    const targets: Target[] = gws.map((g) => ({ proto: 'gw', port: g.port, hosts: o.hosts, key: o.apiKey }));
    await sleep(1500);
    const baselinePer = gws.map((g) => memoryOf(g.pid)?.rssMiB ?? Number.NaN);
    const baseline = baselinePer.reduce((a, b) => a + b, 0);
    const mem0 = meminfo();
    const serverFdLimit = await fdLimitOf(gws[0]!.pid);
    const perInstanceCap = serverFdLimit !== undefined ? Math.max(100, serverFdLimit - 1024) : undefined;
    const open = gws.map(() => 0);
    const result = (): ClusterRampResult => ({
      instances: o.instances,
      settings: { instances: o.instances, steps: o.steps, hosts: o.hosts, perClientProcess: o.perClientProcess, stepTimeLimitMs: o.stepTimeLimitMs, budgetMs: o.budgetMs, inflight: o.inflight, connectTimeoutMs: o.connectTimeoutMs, maxFailuresPerProcess: o.maxFailuresPerProcess, minAvailableMiB: o.minAvailableMiB },
      baselineServerRssMiB: baseline,
      baselineServerRssPerInstanceMiB: baselinePer,
      baselineMemAvailableMiB: mem0.availableMiB,
      memTotalMiB: mem0.totalMiB,
      serverFdLimit,
      clientFdLimit,
      perInstanceCap,
      clusterCap: perInstanceCap !== undefined ? perInstanceCap * o.instances : undefined,
      steps,
      stoppedBy,
      durationMs: performance.now() - started,
      serverTails,
    });
    ctx.log(`ws: cluster ramp: baseline server RSS ${baseline.toFixed(0)} MiB over ${o.instances} instances, MemAvailable ${mem0.availableMiB?.toFixed(0)} MiB, per-instance cap ${perInstanceCap}`);

    for (const stepTarget of o.steps) {
      if (ctx.signal.aborted) {
        stoppedBy = 'interrupted';
        break;
      }
      const total0 = open.reduce((a, b) => a + b, 0);
      if (stepTarget <= total0) continue;
      // Even split of the step's total; each instance tops up to its share.
      const jobs: Array<{ instance: number; job: ClientProcess<any> }> = [];
      for (let i = 0; i < gws.length; i++) {
        const share = Math.floor(stepTarget / gws.length) + (i < stepTarget % gws.length ? 1 : 0);
        const add = share - open[i]!;
        if (add <= 0) continue;
        const procs = Math.ceil(add / o.perClientProcess);
        for (let p = 0; p < procs; p++) {
          const count = Math.floor(add / procs) + (p < add % procs ? 1 : 0);
          const job: Job = { kind: 'hold', target: targets[i]!, count, inflight: o.inflight, hostOffset: holders.length + jobs.length, connectTimeoutMs: o.connectTimeoutMs, maxFailures: o.maxFailuresPerProcess };
          jobs.push({ instance: i, job: runClientJob(ctx.rootDir, job, `ws cluster hold gw-${i + 1} ${stepTarget}/${p}`, o.stepTimeLimitMs) });
        }
      }
      holders.push(...jobs.map((j) => j.job));
      const cpu0 = cpuTicks();
      const serverCpu0 = gws.map((g) => cpuMsOf(g.pid) ?? 0);
      const t0 = performance.now();
      const results = await Promise.allSettled(jobs.map((j) => j.job.result));
      const stepMs = performance.now() - t0;
      const cpu1 = cpuTicks();
      const serverCpu1 = gws.map((g) => cpuMsOf(g.pid) ?? 0);
      let opened = 0;
      let failed = 0;
      let notAttempted = 0;
      let closedAfterOpen = 0;
      let timedOut = 0;
      const errors: Record<string, number> = {};
      results.forEach((r, k) => {
        if (r.status === 'rejected') {
          timedOut++;
          const msg = String(r.reason).split('\n')[0]!.slice(0, 120);
          errors[msg] = (errors[msg] ?? 0) + 1;
          return;
        }
        open[jobs[k]!.instance]! += r.value.opened;
        opened += r.value.opened;
        failed += r.value.failed;
        notAttempted += r.value.notAttempted ?? 0;
        closedAfterOpen += r.value.closedAfterOpen;
        clientFdLimit ??= r.value.fdLimit;
        for (const [e, v] of Object.entries(r.value.errors as Record<string, number>)) errors[errorKey(e)] = (errors[errorKey(e)] ?? 0) + v;
      });
      await sleep(1500); // let RSS settle (no forced GC in the servers)
      const total = open.reduce((a, b) => a + b, 0);
      const rss = gws.reduce((t, g) => t + (memoryOf(g.pid)?.rssMiB ?? 0), 0);
      const clientRss = holders.reduce((t, h) => t + (memoryOf(h.process.pid)?.rssMiB ?? 0), 0);
      const fds = gws.map((g) => fdCountOf(g.pid)).filter((n): n is number => n !== undefined);
      const mem = meminfo();
      const ss = sockstat();
      const top = Object.entries(errors).sort((a, b) => b[1] - a[1])[0];
      const step: ClusterRampStep = {
        target: stepTarget,
        opened: total,
        perInstance: [...open],
        failed,
        notAttempted,
        topError: top ? `${top[0]} (${top[1]})` : undefined,
        errors,
        closedAfterOpen,
        stepMs,
        connectsPerSec: opened / (stepMs / 1000),
        serverRssMiB: rss,
        serverRssDeltaMiB: rss - baseline,
        kibPerConnection: ((rss - baseline) * 1024) / Math.max(1, total),
        serverFdsMax: fds.length ? Math.max(...fds) : undefined,
        clientRssMiB: clientRss,
        clientProcesses: holders.length,
        kernelTcpMiB: ss.memMiB,
        tcpInUse: ss.inuse,
        conntrack: conntrack(),
        memAvailableMiB: mem.availableMiB,
        cpuBusyPct: cpu0 && cpu1 && cpu1[1] > cpu0[1] ? (100 * (cpu1[0] - cpu0[0])) / (cpu1[1] - cpu0[1]) : undefined,
        serverCpuS: serverCpu1.reduce((t, v, i) => t + v - serverCpu0[i]!, 0) / 1000,
      };
      steps.push(step);
      ctx.log(
        `ws: cluster ramp ${stepTarget}: open ${total} (per instance ${Math.min(...open)}-${Math.max(...open)}), failed ${failed}${top ? ` mostly "${top[0]}"` : ''}, ` +
          `${Math.round(step.connectsPerSec)}/s, server RSS ${rss.toFixed(0)} MiB (${step.kibPerConnection.toFixed(1)} KiB/conn), client RSS ${clientRss.toFixed(0)} MiB, ` +
          `kernel TCP ${ss.memMiB?.toFixed(0)} MiB, MemAvailable ${mem.availableMiB?.toFixed(0)} MiB, CPU ${step.cpuBusyPct?.toFixed(0)}%, ${(stepMs / 1000).toFixed(1)} s`,
      );

      const dead = gws.map((g, i) => (exitCodes[i] !== undefined || memoryOf(g.pid) === undefined ? i : -1)).filter((i) => i >= 0);
      if (dead.length > 0) {
        stoppedBy = `gateway process(es) DIED at step ${stepTarget}: ${dead.map((i) => `gw-${i + 1} (exit ${exitCodes[i] ?? '?'})`).join(', ')}`;
        serverTails = Object.fromEntries(dead.map((i) => [`gw-${i + 1}`, gws[i]!.process.tail(25)]));
        break;
      }
      if (timedOut > 0) {
        stoppedBy = `time limit: ${timedOut} client process(es) did not finish their connects within ${o.stepTimeLimitMs / 1000} s at step ${stepTarget}`;
        break;
      }
      if (failed > 0 || total < stepTarget * 0.99) {
        const atCap = perInstanceCap !== undefined && stepTarget / gws.length > perInstanceCap;
        const nearFd = serverFdLimit !== undefined && step.serverFdsMax !== undefined && step.serverFdsMax >= serverFdLimit * 0.95;
        stoppedBy =
          `connect errors at ${stepTarget} (${failed} failed, ${notAttempted} not attempted${top ? `, mostly "${top[0]}"` : ''})` +
          (atCap ? `: ${stepTarget} / ${gws.length} instances = ${Math.ceil(stepTarget / gws.length)} per instance is over the per-instance cap ${perInstanceCap} (fd limit ${serverFdLimit} - 1024)` : '') +
          (nearFd ? `; server fds ${step.serverFdsMax} of limit ${serverFdLimit}` : '');
        break;
      }
      if (mem.availableMiB !== undefined && mem.availableMiB < o.minAvailableMiB) {
        stoppedBy = `memory: MemAvailable ${mem.availableMiB.toFixed(0)} MiB < ${o.minAvailableMiB} MiB after ${stepTarget}`;
        break;
      }
      if (performance.now() - started > o.budgetMs) {
        stoppedBy = `time budget (${o.budgetMs / 1000} s) used up after ${stepTarget}`;
        break;
      }
    }
    return result();
  } finally {
    ctx.log(`ws: cluster ramp: stopping ${holders.length} client processes and ${cluster?.gateways.length ?? 0} gateways`);
    await Promise.all(holders.map((h) => h.stop()));
    await cluster?.stop();
  }
}

export function clusterRampTable(r: ClusterRampResult): Table {
  return {
    title: `ws: cluster ramp, idle /ws connections on one machine (${r.instances} gateway instances, Postgres + Redis; clients on 127.0.0.1-.8)`,
    columns: ['step', 'open', 'per inst min-max', 'failed', 'top error', 'connect/s', 'server RSS MiB', 'KiB/conn', 'client RSS MiB', 'clients', 'kernel TCP MiB', 'MemAvail MiB', 'CPU %', 'step s'],
    rows: r.steps.map((s) => [
      s.target,
      s.opened,
      `${Math.min(...s.perInstance)}-${Math.max(...s.perInstance)}`,
      s.failed + (s.notAttempted ? ` (+${s.notAttempted} n/a)` : ''),
      s.topError ?? '-',
      Math.round(s.connectsPerSec),
      s.serverRssMiB,
      s.kibPerConnection,
      s.clientRssMiB,
      s.clientProcesses,
      s.kernelTcpMiB ?? '-',
      s.memAvailableMiB ?? '-',
      s.cpuBusyPct ?? '-',
      s.stepMs / 1000,
    ]),
    notes: [
      `stopped by: ${r.stoppedBy}`,
      ...Object.entries(r.serverTails ?? {}).map(([k, t]) => `${k} last output: ${t.filter((l) => l.trim()).slice(-4).join(' | ').slice(0, 400)}`),
      `baseline server RSS ${fmt(r.baselineServerRssMiB)} MiB (${r.instances} instances, ${fmt(r.baselineServerRssMiB / r.instances)} each); MemTotal ${fmt(r.memTotalMiB ?? Number.NaN)} MiB, MemAvailable before ${fmt(r.baselineMemAvailableMiB ?? Number.NaN)} MiB.`,
      `fd limits: server ${r.serverFdLimit ?? '?'}, client ${r.clientFdLimit ?? '?'} per process; per-instance socket cap ${r.perInstanceCap ?? '?'} (WS_MAX_CONNECTIONS default = fd limit - 1024) → ${r.clusterCap ?? '?'} for ${r.instances} instances. ${r.settings.perClientProcess} sockets max per client process, one instance per client process.`,
      'KiB/conn = (sum of server VmRSS 1.5 s after the step - sum before the ramp) / open connections, no forced GC. kernel TCP = /proc/net/sockstat TCP mem (both ends of every loopback connection), in no RSS. CPU % = whole machine (all cores) during the step. client RSS includes each client process\'s own runtime baseline.',
      `a step fails on any connect error (a client process gives up after ${r.settings.maxFailuresPerProcess} failures: "n/a" = not attempted), on a client process over ${r.settings.stepTimeLimitMs / 1000} s, a dead gateway, MemAvailable < ${r.settings.minAvailableMiB} MiB, or after the ${r.settings.budgetMs / 1000} s budget.`,
    ],
  };
}
