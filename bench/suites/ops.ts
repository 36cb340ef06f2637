/**
 * Issue 5, "Figures for your note": throughput of `GET /api/health/ping` (the seed's `ab -n 1000 -c 50`, here with
 * the bench's own closed-loop generator) and of an exact cache hit, with and without the middleware stack, side
 * by side in one run.
 *
 * Targets (each server in its own process, the load generator in another):
 * - `ping bun`      bench/peers/bare-ping.ts: Bun.serve answering `pong`, no framework (the floor);
 * - `ping elysia`   bench/peers/bare-ping.ts --elysia: `new Elysia().get('/api/health/ping', () => 'pong')`;
 * - `ping gateway`  the full gateway (src/main.ts), every hook of src/app.ts runs (CORS, request id, metrics,
 *                   compression negotiation in mapResponse, error mapper); ping does no auth and no limiter;
 * - `hit full`      `POST /v1/chat/completions`, exact cache HIT, API key (auth + token-bucket limiter, limits
 *                   raised to 1e6/s), `Accept-Encoding: gzip, br` (the body is compressed: brotli);
 * - `hit key,id`    the same gateway and key, `Accept-Encoding: identity` (no compression): isolates compression;
 * - `hit open,id`   a second gateway in open mode (no GATEWAY_API_KEYS: no key lookup; the limiter still runs,
 *                   keyed by client IP, in memory) with `Accept-Encoding: identity`: the cache hit with as little of
 *                   the stack as can be switched off without editing src/. The Elysia hooks still run.
 *
 * Upstream: bench/peers/long-upstream.ts (~2 KB answers; the standard mock's few hundred bytes would stay under
 * the gateway's 1 KiB compression threshold). It is called once per gateway, to store the entry.
 *
 * Bun's fetch sends `Accept-Encoding: gzip, deflate, br, zstd` unless told otherwise, so every cell sets the
 * header explicitly; the generator (Bun's fetch) decompresses brotli bodies, which is its cost, not the server's.
 *
 * Each round measures every target at one concurrency back to back, rotating and reversing the order between
 * rounds; ratios are medians of per-round paired ratios. Every HIT cell counts responses whose `x-cache` is not
 * HIT as errors, and a sample request per cache target checks `x-cache` and `content-encoding` before the rounds.
 */
import { join } from 'node:path';
import { median, type LatencySummary } from '../lib/histogram';
import { runLoad, type LoadResult } from '../lib/load';
import { freePort, spawnManaged, waitForHttp, type ManagedProcess } from '../lib/processes';
import { cpuMsOf, memoryOf, type MemoryReading } from '../lib/procfs';
import { cpuProfileArgs, startGateway, type GatewayServer } from '../lib/servers';
import type { Suite, SuiteContext, SuiteResult } from '../lib/suite';
import { fmt, type Table } from '../lib/table';

type TargetName = 'ping bun' | 'ping elysia' | 'ping gateway' | 'hit full' | 'hit key,id' | 'hit open,id';
const TARGETS: TargetName[] = ['ping bun', 'ping elysia', 'ping gateway', 'hit full', 'hit key,id', 'hit open,id'];
const CONCURRENCIES = [1, 50];

const UPSTREAM_KEY = 'sk-bench';
const GATEWAY_KEY = 'sk-bench-ops-client';
/** One fixed request: the warm-up stores it, every measured request is an exact HIT of it. */
const HIT_BODY = JSON.stringify({
  model: 'deepseek-chat',
  messages: [{ role: 'user', content: 'Bench ops: what documents do I need to renew a residential parking permit, and how long does it take?' }],
});

interface Peer {
  origin: string;
  pid: number;
  process: ManagedProcess;
  memory(): MemoryReading | undefined;
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

async function startPeer(rootDir: string, kind: 'bun' | 'elysia' | 'long-upstream'): Promise<Peer> {
  const port = freePort();
  const script = kind === 'long-upstream' ? 'bench/peers/long-upstream.ts' : 'bench/peers/bare-ping.ts';
  const proc = spawnManaged({
    name: kind,
    cmd: [process.execPath, 'run', script, ...(kind === 'elysia' ? ['--elysia'] : [])],
    cwd: rootDir,
    env: { ...process.env, PORT: String(port) },
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${origin}${kind === 'long-upstream' ? '/health' : '/api/health/ping'}`, { timeoutMs: 20_000, exited: proc.exited, name: kind });
  } catch (error) {
    await proc.stop(1000);
    throw error;
  }
  return { origin, pid: proc.pid, process: proc, memory: () => memoryOf(proc.pid), cpuMs: () => cpuMsOf(proc.pid), stop: () => proc.stop() };
}

interface Servers {
  bun: Peer;
  elysia: Peer;
  keyed: GatewayServer;
  open: GatewayServer;
}

interface Request {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  server: { cpuMs(): number | undefined };
  hit: boolean;
}

function requestFor(target: TargetName, s: Servers): Request {
  const json = { 'content-type': 'application/json' };
  const auth = { authorization: `Bearer ${GATEWAY_KEY}` };
  switch (target) {
    case 'ping bun':
      return { url: `${s.bun.origin}/api/health/ping`, method: 'GET', headers: { 'accept-encoding': 'identity' }, server: s.bun, hit: false };
    case 'ping elysia':
      return { url: `${s.elysia.origin}/api/health/ping`, method: 'GET', headers: { 'accept-encoding': 'identity' }, server: s.elysia, hit: false };
    case 'ping gateway':
      return { url: `${s.keyed.origin}/api/health/ping`, method: 'GET', headers: { 'accept-encoding': 'identity' }, server: s.keyed, hit: false };
    case 'hit full':
      return { url: `${s.keyed.origin}/v1/chat/completions`, method: 'POST', headers: { ...json, ...auth, 'accept-encoding': 'gzip, br' }, body: HIT_BODY, server: s.keyed, hit: true };
    case 'hit key,id':
      return { url: `${s.keyed.origin}/v1/chat/completions`, method: 'POST', headers: { ...json, ...auth, 'accept-encoding': 'identity' }, body: HIT_BODY, server: s.keyed, hit: true };
    case 'hit open,id':
      return { url: `${s.open.origin}/v1/chat/completions`, method: 'POST', headers: { ...json, 'accept-encoding': 'identity' }, body: HIT_BODY, server: s.open, hit: true };
  }
}

interface Settings {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  globalWarmupMs: number;
}

function settingsFor(ctx: SuiteContext): Settings {
  return {
    rounds: ctx.overrides.rounds ?? (ctx.quick ? 1 : 4),
    durationMs: ctx.overrides.durationMs ?? (ctx.quick ? 1500 : 3000),
    warmupMs: ctx.overrides.warmupMs ?? (ctx.quick ? 300 : 600),
    globalWarmupMs: ctx.quick ? 500 : 1500,
  };
}

export interface OpsMeasurement {
  round: number;
  order: number;
  target: TargetName;
  concurrency: number;
  rps: number;
  latency: LatencySummary;
  /** Load-generator errors plus (HIT targets) responses whose x-cache was not HIT, whole run. */
  errors: number;
  nonHit: number;
  statuses: Record<string, number>;
  errorSamples: string[];
  xCache: Record<string, number>;
  sent: number;
  serverCpuUsPerReq: number | undefined;
  loadCpuShare: number;
  histograms: LoadResult['histograms'];
}

async function measure(ctx: SuiteContext, s: Servers, target: TargetName, concurrency: number, settings: Settings, round: number, order: number): Promise<OpsMeasurement> {
  const req = requestFor(target, s);
  const cpuBefore = req.server.cpuMs();
  const result = await runLoad(
    { url: req.url, method: req.method, headers: req.headers, body: req.body, concurrency, durationMs: settings.durationMs, warmupMs: settings.warmupMs, countHeaders: ['x-cache'] },
    { name: `ops ${target} c=${concurrency} round ${round}` },
  );
  const cpuAfter = req.server.cpuMs();
  const xCache = result.headerCounts['x-cache'] ?? {};
  const nonHit = req.hit ? result.sent - result.errors - (xCache.HIT ?? 0) : 0;
  const m: OpsMeasurement = {
    round,
    order,
    target,
    concurrency,
    rps: result.rps,
    latency: result.latency,
    errors: result.errors + Math.max(0, nonHit),
    nonHit: Math.max(0, nonHit),
    statuses: result.statuses,
    errorSamples: result.errorSamples,
    xCache,
    sent: result.sent,
    serverCpuUsPerReq: cpuBefore === undefined || cpuAfter === undefined || result.sent === 0 ? undefined : ((cpuAfter - cpuBefore) * 1000) / result.sent,
    loadCpuShare: result.loadCpuShare,
    histograms: result.histograms,
  };
  ctx.log(
    `  round ${round} c=${String(concurrency).padEnd(2)} ${target.padEnd(12)} ${fmt(m.rps).padStart(7)} req/s  p50 ${fmt(m.latency.p50)} ms  p99 ${fmt(m.latency.p99)} ms  errors ${m.errors}`,
  );
  return m;
}

/** One request per cache target, outside the measurement: the HIT is real and compression is what the cell says. */
async function verify(s: Servers): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const target of TARGETS.filter((t) => t.startsWith('hit'))) {
    const req = requestFor(target, s);
    const response = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, decompress: false } as RequestInit);
    const bytes = (await response.arrayBuffer()).byteLength;
    const sample = { status: response.status, xCache: response.headers.get('x-cache'), contentEncoding: response.headers.get('content-encoding'), wireBytes: bytes };
    out[target] = sample;
    const wantEncoding: Array<string | null> = target === 'hit full' ? ['br', 'gzip'] : [null];
    if (sample.status !== 200 || sample.xCache !== 'HIT') throw new Error(`ops: ${target} sample is not a 200 HIT: ${JSON.stringify(sample)}`);
    if (!wantEncoding.includes(sample.contentEncoding)) throw new Error(`ops: ${target} sample has content-encoding ${sample.contentEncoding}, expected ${wantEncoding.join(' or ')}`);
  }
  return out;
}

async function warmCache(gateway: GatewayServer, headers: Record<string, string>): Promise<string | null> {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': 'identity', ...headers }, body: HIT_BODY });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`ops: warming request answered ${response.status}`);
  return response.headers.get('x-cache');
}

interface TargetSummary {
  target: TargetName;
  concurrency: number;
  rounds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  nonHit: number;
  serverCpuUsPerReq: number;
  maxLoadCpuShare: number;
}

function summarise(all: OpsMeasurement[]): TargetSummary[] {
  const out: TargetSummary[] = [];
  for (const concurrency of CONCURRENCIES) {
    for (const target of TARGETS) {
      const mine = all.filter((m) => m.target === target && m.concurrency === concurrency);
      out.push({
        target,
        concurrency,
        rounds: mine.length,
        rps: median(mine.map((m) => m.rps)),
        p50: median(mine.map((m) => m.latency.p50)),
        p99: median(mine.map((m) => m.latency.p99)),
        errors: mine.reduce((n, m) => n + m.errors, 0),
        nonHit: mine.reduce((n, m) => n + m.nonHit, 0),
        serverCpuUsPerReq: median(mine.map((m) => m.serverCpuUsPerReq ?? Number.NaN).filter((v) => !Number.isNaN(v))),
        maxLoadCpuShare: Math.max(...mine.map((m) => m.loadCpuShare)),
      });
    }
  }
  return out;
}

const COMPARISONS: Array<{ label: string; a: TargetName; b: TargetName }> = [
  { label: 'ping: elysia / bun', a: 'ping elysia', b: 'ping bun' },
  { label: 'ping: gateway / bun', a: 'ping gateway', b: 'ping bun' },
  { label: 'ping: gateway / elysia', a: 'ping gateway', b: 'ping elysia' },
  { label: 'hit: full / open,id', a: 'hit full', b: 'hit open,id' },
  { label: 'hit: full / key,id (compression)', a: 'hit full', b: 'hit key,id' },
  { label: 'hit: key,id / open,id (auth+key)', a: 'hit key,id', b: 'hit open,id' },
  { label: 'hit full / ping gateway', a: 'hit full', b: 'ping gateway' },
];

interface RatioSummary {
  label: string;
  concurrency: number;
  rpsRatio: number;
  rpsRatioRange: [number, number];
  p50Ratio: number;
  p99Ratio: number;
}

function ratios(all: OpsMeasurement[]): RatioSummary[] {
  const out: RatioSummary[] = [];
  for (const { label, a, b } of COMPARISONS) {
    for (const concurrency of CONCURRENCIES) {
      const pairs = all
        .filter((m) => m.target === a && m.concurrency === concurrency)
        .map((am) => [am, all.find((bm) => bm.target === b && bm.concurrency === concurrency && bm.round === am.round)] as const)
        .filter((p): p is readonly [OpsMeasurement, OpsMeasurement] => p[1] !== undefined);
      const r = pairs.map(([am, bm]) => am.rps / bm.rps);
      out.push({
        label,
        concurrency,
        rpsRatio: median(r),
        rpsRatioRange: [Math.min(...r), Math.max(...r)],
        p50Ratio: median(pairs.map(([am, bm]) => am.latency.p50 / bm.latency.p50)),
        p99Ratio: median(pairs.map(([am, bm]) => am.latency.p99 / bm.latency.p99)),
      });
    }
  }
  return out;
}

const x = (v: number) => `${fmt(v)}x`;

function buildTables(
  summaries: TargetSummary[],
  ratioList: RatioSummary[],
  settings: Settings,
  memory: Record<string, { startMiB?: number; endMiB?: number; peakMiB?: number }>,
  samples: Record<string, unknown>,
): Table[] {
  const describe: Record<TargetName, string> = {
    'ping bun': 'Bun.serve, no framework',
    'ping elysia': 'bare Elysia, one route',
    'ping gateway': 'full gateway, all hooks',
    'hit full': 'exact HIT, key+limiter, br',
    'hit key,id': 'exact HIT, key+limiter, identity',
    'hit open,id': 'exact HIT, open mode, identity',
  };
  const wire = (t: string) => (samples[t] as { wireBytes?: number; contentEncoding?: string | null } | undefined);
  const throughput: Table = {
    title: `ops: throughput of ping and of an exact cache hit (medians over ${settings.rounds} round(s), ${settings.durationMs} ms windows)`,
    columns: ['target', 'what', 'c', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'errors', 'non-HIT', 'load CPU'],
    rows: summaries.map((s) => [s.target, describe[s.target], s.concurrency, s.rps, s.p50, s.p99, s.serverCpuUsPerReq, s.errors, s.target.startsWith('hit') ? s.nonHit : '-', `${Math.round(s.maxLoadCpuShare * 100)}%`]),
    notes: [
      'Closed loop (c clients, next request when the previous body is read), keep-alive, Bun fetch in its own process; each server in its own process.',
      'ping gateway: every app.ts hook runs (CORS, x-request-id, in-flight/histogram metrics, mapResponse compression negotiation; "pong" is below the 1 KiB threshold); no auth, no limiter.',
      `hit full: POST /v1/chat/completions, Bearer key (auth + in-memory token bucket, RATE_LIMIT_*=1e6), Accept-Encoding "gzip, br" -> ${wire('hit full')?.contentEncoding ?? '?'} body, ${fmt(wire('hit full')?.wireBytes)} B on the wire; the generator decompresses it.`,
      `hit key,id: same gateway and key, Accept-Encoding identity (${fmt(wire('hit key,id')?.wireBytes)} B). hit open,id: a second gateway without GATEWAY_API_KEYS (no key lookup; the limiter still runs, keyed by client IP) and identity.`,
      'The Elysia hooks themselves (CORS, request id, metrics, error mapper) cannot be switched off without editing src/, so "without the stack" = no compression, no key auth; compare ping gateway vs ping elysia for the hooks alone.',
      'Bare ping at c=50 usually saturates the generator (load CPU ~100%): its req/s is a lower bound, and ratios against it understate the gap.',
      'server CPU µs/req: the server process\'s CPU over the whole measurement (warm-up included) / requests sent. load CPU near 100% = the generator, not the server, was the limit.',
      'errors: non-2xx and network failures, plus responses whose x-cache was not HIT (HIT cells; also shown alone as non-HIT). Must be 0.',
    ],
  };
  const ratioTable: Table = {
    title: 'ops: paired ratios (median of per-round ratios; range over rounds)',
    columns: ['comparison', 'c', 'req/s ratio', 'range', 'p50 ratio', 'p99 ratio'],
    rows: ratioList.map((r) => [r.label, r.concurrency, x(r.rpsRatio), `${fmt(r.rpsRatioRange[0])}-${fmt(r.rpsRatioRange[1])}`, x(r.p50Ratio), x(r.p99Ratio)]),
    notes: ['req/s ratio < 1 means the first side is slower; latency ratios > 1 mean it is slower.'],
  };
  const memTable: Table = {
    title: 'ops: resident memory (VmRSS; peak = VmHWM)',
    columns: ['process', 'start MiB', 'end MiB', 'peak MiB'],
    rows: Object.entries(memory).map(([name, m]) => [name, m.startMiB, m.endMiB, m.peakMiB]),
    notes: ['Gateways load the default embedder at start (most of their RSS); keyed = the one with GATEWAY_API_KEYS, open = open mode.'],
  };
  return [throughput, ratioTable, memTable];
}

export const opsSuite: Suite = {
  name: 'ops',
  description: 'Issue 5: req/s and p50/p99 of /api/health/ping (bare Bun, bare Elysia, gateway) and of an exact cache hit with and without compression/auth (c=1, c=50)',
  async run(ctx): Promise<SuiteResult> {
    const settings = settingsFor(ctx);
    const profileDir = ctx.profileDir ? join(ctx.profileDir, 'ops-gateway') : undefined;
    const started: Array<{ stop(): Promise<void> }> = [];
    try {
      const [upstream, bun, elysia] = await Promise.all([startPeer(ctx.rootDir, 'long-upstream'), startPeer(ctx.rootDir, 'bun'), startPeer(ctx.rootDir, 'elysia')]);
      started.push(upstream, bun, elysia);
      ctx.log(`upstream (~2 KB answers) at ${upstream.origin}; starting two gateways…`);
      const common = { rootDir: ctx.rootDir, llmBaseUrl: `${upstream.origin}/v1`, llmApiKey: UPSTREAM_KEY, databaseUrl: ctx.services.databaseUrl, redisUrl: ctx.services.redisUrl };
      // One at a time: two embedder loads at once on 2 cores only slow both down.
      const keyed = await startGateway({ ...common, apiKeys: `${GATEWAY_KEY}:bench`, bunArgs: profileDir ? cpuProfileArgs(profileDir) : [] });
      started.push(keyed);
      const open = await startGateway({ ...common });
      started.push(open);
      const servers: Servers = { bun, elysia, keyed, open };
      ctx.log(`peers bun ${bun.origin}, elysia ${elysia.origin}; gateways keyed ${keyed.origin} (pid ${keyed.pid}), open ${open.origin} (pid ${open.pid})`);

      const warmed = {
        keyed: [await warmCache(keyed, { authorization: `Bearer ${GATEWAY_KEY}` }), await warmCache(keyed, { authorization: `Bearer ${GATEWAY_KEY}` })],
        open: [await warmCache(open, {}), await warmCache(open, {})],
      };
      ctx.log(`cache warmed: keyed ${warmed.keyed.join(' -> ')}, open ${warmed.open.join(' -> ')}`);
      const samples = await verify(servers);
      ctx.log(`samples: ${JSON.stringify(samples)}`);

      const memStart = { 'gateway keyed': keyed.memory(), 'gateway open': open.memory(), 'bare bun': bun.memory(), 'bare elysia': elysia.memory() };

      // One untimed pass over every target so JIT and connections are warm before round 1.
      const warm = { ...settings, durationMs: settings.globalWarmupMs, warmupMs: 0 };
      for (const target of TARGETS) await measure({ ...ctx, log: () => undefined }, servers, target, 16, warm, 0, 0);

      const measurements: OpsMeasurement[] = [];
      for (let round = 1; round <= settings.rounds; round++) {
        for (const [ci, concurrency] of CONCURRENCIES.entries()) {
          // Rotate the starting target each round and reverse every other pass, so no target always runs first or last.
          const shift = (round - 1 + ci) % TARGETS.length;
          let order = [...TARGETS.slice(shift), ...TARGETS.slice(0, shift)];
          if ((round + ci) % 2 === 0) order = order.reverse();
          for (const [position, target] of order.entries()) {
            if (ctx.signal.aborted) throw new Error('bench interrupted');
            measurements.push(await measure(ctx, servers, target, concurrency, settings, round, position));
          }
        }
      }

      const memEnd = { 'gateway keyed': keyed.memory(), 'gateway open': open.memory(), 'bare bun': bun.memory(), 'bare elysia': elysia.memory() };
      const memory = Object.fromEntries(
        Object.keys(memEnd).map((k) => [k, { startMiB: memStart[k as keyof typeof memStart]?.rssMiB, endMiB: memEnd[k as keyof typeof memEnd]?.rssMiB, peakMiB: memEnd[k as keyof typeof memEnd]?.peakRssMiB }]),
      );
      ctx.log(`gateway RSS after the run: keyed ${fmt(memory['gateway keyed']?.endMiB)} MiB (peak ${fmt(memory['gateway keyed']?.peakMiB)}), open ${fmt(memory['gateway open']?.endMiB)} MiB`);
      const summaries = summarise(measurements);
      const ratioList = ratios(measurements);
      return {
        tables: buildTables(summaries, ratioList, settings, memory, samples),
        data: {
          settings: { ...settings, targets: TARGETS, concurrencies: CONCURRENCIES, hitBody: HIT_BODY },
          warmed,
          samples,
          memoryMiB: memory,
          gateways: { keyed: { pid: keyed.pid, health: keyed.health }, open: { pid: open.pid, health: open.health }, cpuProfileDir: profileDir },
          summaries,
          ratios: ratioList,
          measurements,
        },
      };
    } finally {
      for (const server of started.reverse()) await server.stop();
    }
  },
};
