/**
 * Issue 2's figures: what the gateway adds over calling the upstream directly, on the proxy path (every
 * request a cache miss that reaches the upstream). The mock upstream answers instantly (latency 0, unpaced
 * tokens), so everything measured through the gateway beyond the direct figure is the gateway's own cost.
 *
 * Cells: {JSON, SSE stream} x {c=1, c=64}. Each round measures every cell twice, direct and through the
 * gateway, back to back in alternating order (ABBA across rounds and cells) so slow drift of a shared machine
 * hits both sides alike. Reported figures are medians over rounds; ratios and added latency are medians of
 * the per-round paired differences, never differences of independent medians.
 */
import { join } from 'node:path';
import type { LatencySummary } from '../lib/histogram';
import { runLoad, type LoadResult } from '../lib/load';
import { tcpCountsFor, type TcpCounts } from '../lib/procfs';
import { cpuProfileArgs, startGateway, startMock, type GatewayServer, type MockServer } from '../lib/servers';
import type { Suite, SuiteContext, SuiteResult } from '../lib/suite';
import { fmt } from '../lib/table';
import { summarise, tables } from './overhead-report';

export type Mode = 'json' | 'stream';
export type Target = 'direct' | 'gateway';

export interface Cell {
  mode: Mode;
  concurrency: number;
}

const CELLS: Cell[] = [
  { mode: 'json', concurrency: 1 },
  { mode: 'json', concurrency: 64 },
  { mode: 'stream', concurrency: 1 },
  { mode: 'stream', concurrency: 64 },
];

const UPSTREAM_KEY = 'sk-bench';
const GATEWAY_KEY = 'sk-bench-client';

export interface Measurement {
  round: number;
  /** Position within the round's pair: 0 ran first. */
  order: number;
  target: Target;
  mode: Mode;
  concurrency: number;
  rps: number;
  latency: LatencySummary;
  ttfb: LatencySummary;
  errors: number;
  statuses: Record<string, number>;
  errorSamples: string[];
  sent: number;
  /** Chat requests the mock received during this measurement: equals `sent` when every request reached it once. */
  upstreamCalls: number;
  xCache: Record<string, number>;
  /** CPU time per completed request, µs (process CPU over the whole measurement incl. warm-up / requests sent). */
  gatewayCpuUsPerReq: number | undefined;
  mockCpuUsPerReq: number | undefined;
  loadCpuShare: number;
  /** Sampled mid-window: ESTABLISHED connections to each server port, and TIME_WAIT growth over the measurement. */
  tcp: { gateway?: TcpCounts; mock?: TcpCounts; timeWaitGrowth?: { gateway: number; mock: number } };
  histograms: LoadResult['histograms'];
}

function chatBody(seq: number, args: { nonce: string; stream: boolean }): string {
  // Self-contained: runs in the load process. A counter in the prompt makes every request distinct.
  return JSON.stringify({
    model: 'deepseek-chat',
    stream: args.stream,
    messages: [{ role: 'user', content: `Bench ${args.nonce} request ${seq}: how do I renew a residential parking permit?` }],
  });
}

function headersFor(target: Target): Record<string, string> {
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${target === 'direct' ? UPSTREAM_KEY : GATEWAY_KEY}`,
    // Never read the cache and never store: every request takes the proxy path.
    'cache-control': 'no-cache, no-store',
  };
}

export interface Settings {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  globalWarmupMs: number;
}

function settingsFor(ctx: SuiteContext): Settings {
  return {
    // More, shorter rounds beat fewer long ones on a noisy shared machine: a burst from a neighbour spoils one
    // pair, and the median over pairs discards it. 3 s at >= 1k req/s still leaves >= 30 samples above p99.
    rounds: ctx.overrides.rounds ?? (ctx.quick ? 1 : 5),
    durationMs: ctx.overrides.durationMs ?? (ctx.quick ? 1500 : 3000),
    warmupMs: ctx.overrides.warmupMs ?? (ctx.quick ? 400 : 750),
    globalWarmupMs: ctx.quick ? 500 : 2000,
  };
}

async function measure(
  ctx: SuiteContext,
  servers: { mock: MockServer; gateway: GatewayServer },
  target: Target,
  cell: Cell,
  settings: Settings,
  round: number,
  order: number,
): Promise<Measurement> {
  const { mock, gateway } = servers;
  const url = target === 'direct' ? `${mock.baseUrl}/chat/completions` : `${gateway.origin}/v1/chat/completions`;
  const nonce = `${Date.now().toString(36)}-${target}-${cell.mode}-c${cell.concurrency}-r${round}`;
  const before = { calls: await mock.requestCount(), gwCpu: gateway.cpuMs(), mockCpu: mock.cpuMs(), tw: timeWait(servers) };
  const tcp: Measurement['tcp'] = {};
  const sampler = setTimeout(() => {
    tcp.gateway = tcpCountsFor(gateway.port);
    tcp.mock = tcpCountsFor(mock.port);
  }, settings.warmupMs + settings.durationMs / 2);
  let result: LoadResult;
  try {
    result = await runLoad(
      {
        url,
        headers: headersFor(target),
        body: chatBody,
        bodyArgs: { nonce, stream: cell.mode === 'stream' },
        concurrency: cell.concurrency,
        durationMs: settings.durationMs,
        warmupMs: settings.warmupMs,
        countHeaders: ['x-cache'],
      },
      { name: `overhead ${target} ${cell.mode} c=${cell.concurrency} round ${round}` },
    );
  } finally {
    clearTimeout(sampler);
  }
  const after = { calls: await mock.requestCount(), gwCpu: gateway.cpuMs(), mockCpu: mock.cpuMs(), tw: timeWait(servers) };
  if (before.tw && after.tw) tcp.timeWaitGrowth = { gateway: after.tw.gateway - before.tw.gateway, mock: after.tw.mock - before.tw.mock };
  const perReq = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || result.sent === 0 ? undefined : ((b - a) * 1000) / result.sent);
  const m: Measurement = {
    round,
    order,
    target,
    mode: cell.mode,
    concurrency: cell.concurrency,
    rps: result.rps,
    latency: result.latency,
    ttfb: result.ttfb,
    errors: result.errors,
    statuses: result.statuses,
    errorSamples: result.errorSamples,
    sent: result.sent,
    upstreamCalls: after.calls - before.calls,
    xCache: result.headerCounts['x-cache'] ?? {},
    gatewayCpuUsPerReq: perReq(before.gwCpu, after.gwCpu),
    mockCpuUsPerReq: perReq(before.mockCpu, after.mockCpu),
    loadCpuShare: result.loadCpuShare,
    tcp,
    histograms: result.histograms,
  };
  ctx.log(
    `  round ${round} ${cell.mode.padEnd(6)} c=${String(cell.concurrency).padEnd(2)} ${target.padEnd(7)} ` +
      `${fmt(m.rps).padStart(7)} req/s  p50 ${fmt(m.latency.p50)} ms  p99 ${fmt(m.latency.p99)} ms  errors ${m.errors}`,
  );
  return m;
}

function timeWait(servers: { mock: MockServer; gateway: GatewayServer }) {
  const gateway = tcpCountsFor(servers.gateway.port);
  const mock = tcpCountsFor(servers.mock.port);
  return gateway && mock ? { gateway: gateway.timeWait, mock: mock.timeWait } : undefined;
}

export const overheadSuite: Suite = {
  name: 'overhead',
  description: 'Issue 2: req/s and added p50/p99 latency of the gateway over calling the mock upstream directly (c=1, c=64; JSON and SSE)',
  async run(ctx): Promise<SuiteResult> {
    const settings = settingsFor(ctx);
    const profileDir = ctx.profileDir ? join(ctx.profileDir, 'overhead-gateway') : undefined;
    const mock = await startMock({ rootDir: ctx.rootDir, apiKey: UPSTREAM_KEY, latencyMs: 0, tokensPerSec: 0 });
    let gateway: GatewayServer | undefined;
    try {
      ctx.log(`mock upstream at ${mock.origin} (pid ${mock.pid}); starting gateway…`);
      gateway = await startGateway({
        rootDir: ctx.rootDir,
        llmBaseUrl: mock.baseUrl,
        llmApiKey: UPSTREAM_KEY,
        apiKeys: `${GATEWAY_KEY}:bench`,
        databaseUrl: ctx.services.databaseUrl,
        redisUrl: ctx.services.redisUrl,
        bunArgs: profileDir ? cpuProfileArgs(profileDir) : [],
      });
      const servers = { mock, gateway };
      const startMemory = gateway.memory();
      ctx.log(`gateway at ${gateway.origin} (pid ${gateway.pid}, RSS ${fmt(startMemory?.rssMiB)} MiB); warming up…`);

      // One untimed pass through both paths so JIT and connection pools are warm before round 1.
      const warm = { ...settings, durationMs: settings.globalWarmupMs, warmupMs: 0 };
      for (const mode of ['json', 'stream'] as const) {
        for (const target of ['direct', 'gateway'] as const) await measure({ ...ctx, log: () => undefined }, servers, target, { mode, concurrency: 16 }, warm, 0, 0);
      }

      const measurements: Measurement[] = [];
      for (let round = 1; round <= settings.rounds; round++) {
        for (const [i, cell] of CELLS.entries()) {
          const order: Target[] = (round + i) % 2 === 1 ? ['direct', 'gateway'] : ['gateway', 'direct'];
          for (const [position, target] of order.entries()) {
            if (ctx.signal.aborted) throw new Error('bench interrupted');
            measurements.push(await measure(ctx, servers, target, cell, settings, round, position));
          }
        }
      }
      const endMemory = gateway.memory();
      const summaries = CELLS.map((cell) => summarise(cell, measurements));
      const memory = { startMiB: startMemory?.rssMiB, endMiB: endMemory?.rssMiB, peakMiB: endMemory?.peakRssMiB };
      return {
        tables: tables(summaries, settings, memory),
        data: {
          settings: { ...settings, cells: CELLS, mockLatencyMs: 0, mockTokensPerSec: 0 },
          gateway: { pid: gateway.pid, health: gateway.health, memoryMiB: memory, cpuProfileDir: profileDir },
          summaries,
          measurements,
        },
      };
    } finally {
      await gateway?.stop();
      await mock.stop();
    }
  },
};
