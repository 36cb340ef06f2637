/**
 * Issue 4's figures: the gateway's WebSocket endpoint `/ws` side by side with a socket.io 4 server using
 * @socket.io/redis-adapter (bench/peers/socketio-server.ts), both run as 2 instances sharing one Redis (the gateway
 * also shares one Postgres), in one run:
 *
 * 1. Connections held: idle connections opened from client processes (bench/lib/ws-client.ts) to 127.0.0.1-.8 in
 *    steps, server RSS per connection (RSS delta / connections), connect rate, and what stopped the ramp.
 * 2. Delta latency under load: N idle connections + M active clients doing turns; time from send to first delta and
 *    between deltas. Gateway: real chat turns against the mock upstream (tokensPerSec 200, exact-match cache only so
 *    every turn is a MISS). socket.io: an echo-with-stream (the server emits K chunks at the same token rate) — a
 *    transport comparison, not an LLM one.
 * 3. Cross-instance fan-out: a publisher on instance A, S subscribers on instance B; time from A's client receiving a
 *    delta to each B subscriber receiving the same text (matched by cumulative characters of the turn).
 * 4. Cluster ramp, only with `--cluster-ramp K` (bench/lib/ws-cluster-ramp.ts): after 1-3, K gateways on this machine
 *    and idle connections in machine-wide steps (25k → 200k) split evenly over them: how far one machine goes when
 *    each process has its own fd limit.
 */
import { LatencyHistogram, type HistogramJson } from '../lib/histogram';
import { startCluster, type Cluster } from '../lib/cluster';
import { spawnManaged, type ManagedProcess } from '../lib/processes';
import { memoryOf } from '../lib/procfs';
import { startMock, type MockServer } from '../lib/servers';
import type { Suite, SuiteContext, SuiteResult } from '../lib/suite';
import type { Table } from '../lib/table';
import { fmt } from '../lib/table';
import type { Job, Target } from '../lib/ws-client';
import { fdCountOf, fdLimitOf, runClientJob, type ClientProcess } from '../lib/ws-clients';
import { clusterRamp, clusterRampTable, type ClusterRampOptions } from '../lib/ws-cluster-ramp';

const API_KEY = 'sk-ws-bench';
const HOSTS = 8;
const TOKENS_PER_SEC = 200;
/** Client sockets per client process: below the fd limit (20,000 here) with room for the runtime's own fds. */
const PER_CLIENT_PROCESS = 15_000;

type Side = 'gateway' | 'socket.io' | 'socket.io batched';

interface Settings {
  rampSteps: number[];
  /** A ramp step that takes longer than this stops the ramp. */
  stepTimeLimitMs: number;
  rampBudgetMs: number;
  idle: number;
  active: number;
  subscribers: number;
  durationMs: number;
  warmupMs: number;
  rounds: number;
}

function settingsFor(ctx: SuiteContext): Settings {
  return ctx.quick
    ? { rampSteps: [2000], stepTimeLimitMs: 60_000, rampBudgetMs: 60_000, idle: 500, active: 10, subscribers: 100, durationMs: ctx.overrides.durationMs ?? 4000, warmupMs: ctx.overrides.warmupMs ?? 1000, rounds: ctx.overrides.rounds ?? 1 }
    : {
        rampSteps: [10_000, 19_000, 25_000, 50_000, 100_000, 150_000, 200_000],
        stepTimeLimitMs: 120_000,
        rampBudgetMs: 180_000,
        idle: 1000,
        active: 50,
        subscribers: 1000,
        durationMs: ctx.overrides.durationMs ?? 10_000,
        warmupMs: ctx.overrides.warmupMs ?? 2000,
        rounds: ctx.overrides.rounds ?? 2,
      };
}

interface PeerServer {
  port: number;
  pid: number;
  process: ManagedProcess;
}

async function startSocketIo(ctx: SuiteContext, redisUrl: string, instance: string, prefix: string): Promise<PeerServer> {
  const proc = spawnManaged({
    name: `socket.io ${instance}`,
    cmd: [process.execPath, 'run', 'bench/peers/socketio-server.ts'],
    cwd: ctx.rootDir,
    env: { ...process.env, PORT: '0', HOST: '0.0.0.0', REDIS_URL: redisUrl, INSTANCE_ID: instance, SIO_PREFIX: prefix },
  });
  const port = await proc.waitForLine((_l, json) => (json?.event === 'peer.listening' ? Number(json.port) : undefined), 20_000);
  return { port, pid: proc.pid, process: proc };
}

interface RampStep {
  target: number;
  opened: number;
  failed: number;
  /** Connects not tried after a client process hit its failure cap. */
  notAttempted: number;
  errors: Record<string, number>;
  closedAfterOpen: number;
  stepMs: number;
  connectsPerSec: number;
  rssMiB: number;
  rssDeltaMiB: number;
  bytesPerConnection: number;
  serverFds: number | undefined;
  clientProcesses: number;
}

interface RampResult {
  side: Side;
  baselineRssMiB: number;
  steps: RampStep[];
  stoppedBy: string;
  serverFdLimit: number | undefined;
  clientFdLimit: number | undefined;
  /** Last output lines of the server when it died during the ramp. */
  serverTail?: string[];
}

const sleep = (ms: number) => Bun.sleep(ms);

async function settledRss(pid: number): Promise<number> {
  await sleep(1500);
  return memoryOf(pid)?.rssMiB ?? Number.NaN;
}

async function ramp(ctx: SuiteContext, side: Side, target: Target, server: ManagedProcess, s: Settings): Promise<RampResult> {
  const pid = server.pid;
  let exitCode: number | undefined;
  void server.exited.then((code) => (exitCode = code));
  const holders: ClientProcess<any>[] = [];
  const baseline = await settledRss(pid);
  const steps: RampStep[] = [];
  let total = 0;
  let stoppedBy = 'reached the last step';
  let clientFdLimit: number | undefined;
  const rampStart = performance.now();
  const serverFdLimit = await fdLimitOf(pid);
  let serverTail: string[] | undefined;
  try {
    for (const stepTarget of s.rampSteps) {
      if (ctx.signal.aborted) {
        stoppedBy = 'interrupted';
        break;
      }
      const add = stepTarget - total;
      const procs = Math.max(1, Math.ceil(add / PER_CLIENT_PROCESS));
      const jobs: ClientProcess<any>[] = [];
      const t0 = performance.now();
      for (let p = 0; p < procs; p++) {
        const count = Math.floor(add / procs) + (p < add % procs ? 1 : 0);
        const job: Job = { kind: 'hold', target, count, inflight: 250, hostOffset: holders.length + jobs.length, connectTimeoutMs: 10_000, maxFailures: 200 };
        jobs.push(runClientJob(ctx.rootDir, job, `ws hold ${side} ${stepTarget}/${p}`, s.stepTimeLimitMs));
      }
      holders.push(...jobs);
      const results = await Promise.allSettled(jobs.map((j) => j.result));
      const stepMs = performance.now() - t0;
      let opened = 0;
      let failed = 0;
      let notAttempted = 0;
      let closedAfterOpen = 0;
      const errors: Record<string, number> = {};
      let timedOut = false;
      for (const r of results) {
        if (r.status === 'rejected') {
          timedOut = true;
          errors[String(r.reason).slice(0, 120)] = (errors[String(r.reason).slice(0, 120)] ?? 0) + 1;
          continue;
        }
        opened += r.value.opened;
        failed += r.value.failed;
        notAttempted += r.value.notAttempted ?? 0;
        closedAfterOpen += r.value.closedAfterOpen;
        clientFdLimit ??= r.value.fdLimit;
        for (const [k, v] of Object.entries(r.value.errors as Record<string, number>)) errors[k] = (errors[k] ?? 0) + v;
      }
      total += opened;
      const rss = await settledRss(pid);
      const serverFds = fdCountOf(pid);
      steps.push({
        target: stepTarget,
        opened: total,
        failed,
        notAttempted,
        errors,
        closedAfterOpen,
        stepMs,
        connectsPerSec: opened / (stepMs / 1000),
        rssMiB: rss,
        rssDeltaMiB: rss - baseline,
        bytesPerConnection: ((rss - baseline) * 2 ** 20) / Math.max(1, total),
        serverFds,
        clientProcesses: holders.length,
      });
      ctx.log(`ws: ${side} ramp ${stepTarget}: open ${total}, failed ${failed}, ${Math.round(opened / (stepMs / 1000))}/s, RSS ${rss.toFixed(0)} MiB, fds ${serverFds}`);
      if (exitCode !== undefined || memoryOf(pid) === undefined) {
        const fdLimit = serverFdLimit;
        stoppedBy = `server process DIED (exit code ${exitCode ?? '?'}) at step ${stepTarget} after ${total} connections (fd limit ${fdLimit})`;
        serverTail = server.tail(25);
        break;
      }
      if (timedOut) {
        stoppedBy = `time limit: a client process did not finish its connects within ${s.stepTimeLimitMs / 1000} s`;
        break;
      }
      if (failed > 0 || total < stepTarget * 0.99) {
        const top = Object.entries(errors).sort((a, b) => b[1] - a[1])[0];
        const fdLimit = await fdLimitOf(pid);
        const nearFd = fdLimit !== undefined && serverFds !== undefined && serverFds >= fdLimit * 0.95;
        stoppedBy = `connect errors at ${stepTarget} (${failed} failed${top ? `, mostly "${top[0]}"` : ''})${nearFd ? `: server fd limit ${fdLimit} reached (${serverFds} fds open)` : ''}`;
        break;
      }
      if (performance.now() - rampStart > s.rampBudgetMs) {
        stoppedBy = `ramp time budget (${s.rampBudgetMs / 1000} s) used up after ${stepTarget}`;
        break;
      }
    }
  } finally {
    await Promise.all(holders.map((h) => h.stop()));
  }
  await sleep(2000); // let the server notice the closes before the next side measures
  return { side, baselineRssMiB: baseline, steps, stoppedBy, serverFdLimit, clientFdLimit, serverTail };
}

interface LoadRun {
  side: Side;
  round: number;
  result: any;
}

async function loadRun(ctx: SuiteContext, side: Side, target: Target, s: Settings, round: number, sio: { k: number; intervalMs: number }): Promise<LoadRun> {
  const nonce = `${Date.now().toString(36)}-${round}-${side === 'gateway' ? 'g' : 's'}`;
  const idle = runClientJob(ctx.rootDir, { kind: 'hold', target, count: s.idle, inflight: 200, hostOffset: 3, connectTimeoutMs: 10_000 }, `ws idle ${side}`, 60_000);
  try {
    const opened = await idle.result;
    const job: Job = { kind: 'load', target, active: s.active, durationMs: s.durationMs, warmupMs: s.warmupMs, nonce, sio };
    const load = runClientJob(ctx.rootDir, job, `ws load ${side}`, s.durationMs + s.warmupMs + 60_000);
    const result = await load.result;
    ctx.log(`ws: ${side} load round ${round}: ${result.turns} turns, ${result.deltas} deltas, errors ${JSON.stringify(result.errors)}`);
    return { side, round, result: { ...result, idleOpened: opened.opened, idleFailed: opened.failed } };
  } finally {
    await idle.stop();
  }
}

async function fanoutRun(ctx: SuiteContext, side: Side, a: Target, b: Target, s: Settings, round: number, sio: { k: number; intervalMs: number }): Promise<LoadRun> {
  const nonce = `${Date.now().toString(36)}-${round}-${side === 'gateway' ? 'g' : 's'}`;
  const job: Job = { kind: 'fanout', a, b, subscribers: s.subscribers, durationMs: s.durationMs, warmupMs: s.warmupMs, nonce, sio };
  const run = runClientJob(ctx.rootDir, job, `ws fanout ${side}`, s.durationMs + s.warmupMs + 120_000);
  const result = await run.result;
  await run.stop();
  ctx.log(`ws: ${side} fan-out round ${round}: ${result.turns} turns, done ${result.receivedDone}/${result.expectedDone}, errors ${JSON.stringify(result.errors)}`);
  return { side, round, result };
}

const merged = (runs: LoadRun[], side: Side, field: string) => {
  const h = new LatencyHistogram();
  for (const r of runs) if (r.side === side && r.result[field]) h.merge(LatencyHistogram.fromJSON(r.result[field] as HistogramJson));
  return h;
};
const sum = (runs: LoadRun[], side: Side, f: (r: any) => number) => runs.filter((r) => r.side === side).reduce((t, r) => t + (f(r.result) || 0), 0);
const ms = (v: number) => (Number.isFinite(v) ? fmt(v) : '-');

/** Sections 1-3: the 2-instance gateway vs socket.io comparison. */
async function comparison(ctx: SuiteContext): Promise<SuiteResult> {
  const s = settingsFor(ctx);
  const databaseUrl = ctx.services.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/bench_ws';
  const redisUrl = ctx.services.redisUrl ?? 'redis://127.0.0.1:6379';
  let mock: MockServer | undefined;
  let cluster: Cluster | undefined;
  const peers: PeerServer[] = [];
  try {
    mock = await startMock({ rootDir: ctx.rootDir, tokensPerSec: TOKENS_PER_SEC, apiKey: 'sk-bench' });
    ctx.log('ws: starting 2 gateways (Postgres + Redis) and 2 socket.io peers (Redis adapter)');
    cluster = await startCluster({
      rootDir: ctx.rootDir,
      instances: 2,
      databaseUrl,
      redisUrl,
      llmBaseUrl: mock.baseUrl,
      llmApiKey: 'sk-bench',
      apiKeys: `${API_KEY}:ws-bench`,
      // 0.0.0.0 so that 127.0.0.1-.8 all reach it; exact-match cache only, so every (unique) turn is a MISS.
      env: { HOST: '0.0.0.0', EMBEDDINGS_MODEL: 'none' },
    });
    const prefix = Date.now().toString(36);
    peers.push(await startSocketIo(ctx, redisUrl, 'sio-1', prefix), await startSocketIo(ctx, redisUrl, 'sio-2', prefix));
    const [gwA, gwB] = cluster.gateways as [typeof cluster.gateways[0], typeof cluster.gateways[0]];
    const targets: Record<Side, [Target, Target]> = {
      gateway: [
        { proto: 'gw', port: gwA.port, hosts: HOSTS, key: API_KEY },
        { proto: 'gw', port: gwB.port, hosts: HOSTS, key: API_KEY },
      ],
      'socket.io': [
        { proto: 'sio', port: peers[0]!.port, hosts: HOSTS },
        { proto: 'sio', port: peers[1]!.port, hosts: HOSTS },
      ],
      'socket.io batched': [
        { proto: 'sio', port: peers[0]!.port, hosts: HOSTS },
        { proto: 'sio', port: peers[1]!.port, hosts: HOSTS },
      ],
    };
    const procs: Partial<Record<Side, ManagedProcess>> = { gateway: gwA.process, 'socket.io': peers[0]!.process };

    // Tokens per gateway turn, so socket.io streams as many chunks: one probe turn.
    const probe = await runClientJob(ctx.rootDir, { kind: 'load', target: targets.gateway[0], active: 1, durationMs: 1500, warmupMs: 0, nonce: `probe-${prefix}`, sio: { k: 1, intervalMs: 0 } }, 'ws probe', 60_000).result;
    const gwTurnMs = LatencyHistogram.fromJSON(probe.turn).mean;
    const sioChunks = Math.max(1, Math.round((gwTurnMs / 1000) * TOKENS_PER_SEC)) || 40;
    // `socket.io batched`: as many frames per turn as the gateway sends (its 20 ms delta batching), same turn length.
    const gwFrames = Math.max(1, Math.round(probe.deltas / Math.max(1, probe.turns)));
    const sioParams: Record<Side, { k: number; intervalMs: number }> = {
      gateway: { k: 0, intervalMs: 0 },
      'socket.io': { k: sioChunks, intervalMs: 1000 / TOKENS_PER_SEC },
      'socket.io batched': { k: gwFrames, intervalMs: Math.round((sioChunks * (1000 / TOKENS_PER_SEC)) / gwFrames) },
    };
    ctx.log(`ws: probe turn ${gwTurnMs.toFixed(0)} ms, ${probe.chars} chars → socket.io streams ${sioChunks} chunks at ${TOKENS_PER_SEC}/s`);


    // 2. Delta latency under load, 3. fan-out: ABBA over rounds.
    const loads: LoadRun[] = [];
    const fanouts: LoadRun[] = [];
    for (let round = 0; round < s.rounds; round++) {
      const order: Side[] = round % 2 === 0 ? ['gateway', 'socket.io', 'socket.io batched'] : ['socket.io batched', 'socket.io', 'gateway'];
      for (const side of order) loads.push(await loadRun(ctx, side, targets[side][0], s, round, sioParams[side]));
      for (const side of order) fanouts.push(await fanoutRun(ctx, side, targets[side][0], targets[side][1], s, round, sioParams[side]));
    }

    // 1. Ramp, last: pushing a server to its fd limit may take it down (see the notes), and nothing runs after.
    const ramps: RampResult[] = [];
    for (const side of ['gateway', 'socket.io'] as Side[]) ramps.push(await ramp(ctx, side, targets[side][0], procs[side]!, s));

    const sides: Side[] = ['gateway', 'socket.io', 'socket.io batched'];
    const rampTable: Table = {
      title: 'ws: idle connections held (instance A; clients on 127.0.0.1-.8)',
      columns: ['side', 'step', 'open', 'failed', 'connect/s', 'RSS MiB', 'RSS delta MiB', 'KiB/conn', 'server fds'],
      rows: ramps.flatMap((r) => r.steps.map((st) => [r.side, st.target, st.opened, st.failed, Math.round(st.connectsPerSec), st.rssMiB, st.rssDeltaMiB, st.bytesPerConnection / 1024, st.serverFds ?? '-'])),
      notes: [
        ...ramps.map((r) => `${r.side}: baseline RSS ${fmt(r.baselineRssMiB)} MiB; stopped by: ${r.stoppedBy}`),
        ...ramps.filter((r) => r.serverTail).map((r) => `${r.side} last output: ${r.serverTail!.filter((l) => l.trim()).slice(-4).join(' | ').slice(0, 400)}`),
        `fd limits: server ${ramps[0]?.serverFdLimit ?? '?'}, client processes ${ramps[0]?.clientFdLimit ?? '?'} (soft = hard; raising needs CAP_SYS_RESOURCE). ${PER_CLIENT_PROCESS} sockets per client process.`,
        'RSS delta = VmRSS 1.5 s after the step minus before the ramp, no forced GC in the server; per-connection cost includes socket buffers in user space, not kernel memory.',
      ],
    };
    const loadTable: Table = {
      title: `ws: delta latency under load (${s.idle} idle + ${s.active} active clients, ${TOKENS_PER_SEC} tokens/s, ms)`,
      columns: ['side', 'turns', 'frames/turn', 'first p50', 'first p99', 'gap p50', 'gap p99', 'turn p50', 'turn p99', 'errors'],
      rows: sides.map((side) => {
        const first = merged(loads, side, 'ttfd');
        const gap = merged(loads, side, 'gap');
        const turn = merged(loads, side, 'turn');
        const turns = sum(loads, side, (r) => r.turns);
        const errors = sum(loads, side, (r) => Object.values(r.errors as Record<string, number>).reduce((a, b) => a + b, 0) + r.closes + r.connectFailures);
        return [side, turns, turns ? sum(loads, side, (r) => r.deltas) / turns : null, ms(first.percentile(50)), ms(first.percentile(99)), ms(gap.percentile(50)), ms(gap.percentile(99)), ms(turn.percentile(50)), ms(turn.percentile(99)), errors];
      }),
      notes: [
        `gateway: real chat turns (/ws chat frames) against the mock upstream at ${TOKENS_PER_SEC} tokens/s, exact-match cache only; cache statuses ${JSON.stringify(loads.filter((l) => l.side === 'gateway').map((l) => l.result.cache))}. Deltas are batched per 20 ms window, so gaps are ~window, not per token.`,
        `socket.io: echo-with-stream, the server emits ${sioChunks} chunks ${1000 / TOKENS_PER_SEC} ms apart per request (no batching, no LLM, no DB): a transport comparison, not an LLM one. socket.io batched: ${sioParams['socket.io batched'].k} chunks ${sioParams['socket.io batched'].intervalMs} ms apart (the gateway's frames per turn).`,
        `first = send → first delta; gap = between consecutive deltas of a turn; ${s.rounds} round(s), ${s.durationMs / 1000} s measured each, merged histograms.`,
      ],
    };
    const fanTable: Table = {
      title: `ws: cross-instance fan-out (publisher on A, ${s.subscribers} subscribers on B, ms)`,
      columns: ['side', 'turns', 'A frames/turn', 'delta p50', 'delta p90', 'delta p99', 'delta max', 'done p50', 'done p99', 'done recv/expected', 'client CPU', 'errors'],
      rows: sides.map((side) => {
        const d = merged(fanouts, side, 'delta');
        const dn = merged(fanouts, side, 'done');
        const runs = fanouts.filter((f) => f.side === side);
        const turns = sum(fanouts, side, (r) => r.turns);
        return [
          side,
          turns,
          turns ? runs.reduce((t, r) => t + r.result.aFramesPerTurn * r.result.turns, 0) / turns : null,
          ms(d.percentile(50)),
          ms(d.percentile(90)),
          ms(d.percentile(99)),
          ms(d.max),
          ms(dn.percentile(50)),
          ms(dn.percentile(99)),
          `${sum(fanouts, side, (r) => r.receivedDone)}/${sum(fanouts, side, (r) => r.expectedDone)}`,
          `${Math.round((100 * sum(fanouts, side, (r) => r.clientCpuMs)) / Math.max(1, sum(fanouts, side, (r) => r.measureMs)))}%`,
          JSON.stringify(runs.map((r) => r.result.errors)),
        ];
      }),
      notes: [
        'delta = time the A client received a text position → time each B subscriber received it (same process clock; matched by cumulative characters, since batching may split text differently); done likewise.',
        'gateway subscribers receive the server\'s turn id (a UUID), not the publisher\'s frame id: turns are matched by order. socket.io: B may process a frame before A in the one client process (clamped to 0, counted as `negative` in the JSON).',
        'client CPU = CPU time of the one client process (publisher + all subscribers) over the measured loop, % of one core: near 100% means the client, not the servers, set the latency.',
        'gateway: 2 instances sharing Postgres + Redis (bus pub/sub); socket.io: 2 instances with @socket.io/redis-adapter. The publisher is not itself subscribed; it gets its turn\'s frames directly.',
      ],
    };
    return {
      tables: [rampTable, loadTable, fanTable],
      data: { settings: s, tokensPerSec: TOKENS_PER_SEC, sioChunks, probe: { turnMeanMs: gwTurnMs, chars: probe.chars, deltas: probe.deltas }, ramps, loads, fanouts, runtime: { bun: Bun.version } },
    };
  } finally {
    await Promise.all(peers.map((p) => p.process.stop()));
    await cluster?.stop();
    await mock?.stop();
  }
}

/** Section 4 (`--cluster-ramp K`): steps of machine-wide totals, split evenly over K gateway instances. */
function clusterRampOptions(ctx: SuiteContext, instances: number): ClusterRampOptions {
  return {
    instances,
    steps: ctx.quick ? [1000, 2000] : [25_000, 50_000, 100_000, 150_000, 200_000],
    apiKey: API_KEY,
    hosts: HOSTS,
    perClientProcess: PER_CLIENT_PROCESS,
    stepTimeLimitMs: ctx.quick ? 60_000 : 240_000,
    budgetMs: ctx.quick ? 120_000 : 900_000,
    inflight: 250,
    connectTimeoutMs: 10_000,
    maxFailuresPerProcess: 200,
    minAvailableMiB: 2048,
    databaseUrl: ctx.services.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/bench_ws',
    redisUrl: ctx.services.redisUrl ?? 'redis://127.0.0.1:6379',
  };
}

export const wsSuite: Suite = {
  name: 'ws',
  description: 'Issue 4: /ws vs socket.io + redis-adapter: idle connections held (RSS/conn, connect rate), delta latency under load, cross-instance fan-out (2 instances)',
  async run(ctx) {
    const base = await comparison(ctx);
    const instances = ctx.overrides.wsClusterInstances;
    if (!instances || ctx.signal.aborted) return base;
    // After the comparison's servers are gone, so the machine is otherwise idle.
    const cluster = await clusterRamp(ctx, clusterRampOptions(ctx, instances));
    return { tables: [...base.tables, clusterRampTable(cluster)], data: { ...(base.data as Record<string, unknown>), clusterRamp: cluster } };
  },
};
