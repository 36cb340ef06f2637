/** Turns the overhead suite's raw measurements into per-cell medians and the printed tables. */
import { LatencyHistogram, median, type LatencySummary } from '../lib/histogram';
import { fmt, fmtDelta, type Table } from '../lib/table';
import type { Cell, Measurement, Mode, Settings, Target } from './overhead';

export interface CellSummary {
  mode: Mode;
  concurrency: number;
  rounds: number;
  direct: { rps: number; p50: number; p99: number; ttfbP50: number; ttfbP99: number };
  gateway: { rps: number; p50: number; p99: number; ttfbP50: number; ttfbP99: number };
  /** Medians of per-round paired figures. */
  rpsRatio: number;
  rpsRatioRange: [number, number];
  addedP50: number;
  addedP99: number;
  addedTtfbP50: number;
  addedTtfbP99: number;
  /** All rounds pooled (histograms merged), for a second view less sensitive to one odd round. */
  pooled: { direct: LatencySummary; gateway: LatencySummary };
  errors: number;
  upstreamCallsPerGatewayRequest: number;
  xCache: Record<string, number>;
  gatewayCpuUsPerReq: number;
  mockCpuUsPerReq: { direct: number; gateway: number };
  maxLoadCpuShare: number;
  connections: { clientToGateway: number; gatewayToMock: number; clientToMockDirect: number };
}

export function summarise(cell: Cell, all: Measurement[]): CellSummary {
  const mine = all.filter((m) => m.mode === cell.mode && m.concurrency === cell.concurrency);
  const side = (t: Target) => mine.filter((m) => m.target === t).sort((a, b) => a.round - b.round);
  const d = side('direct');
  const g = side('gateway');
  const pairs = d.map((dm) => [dm, g.find((gm) => gm.round === dm.round)!] as const).filter(([, gm]) => gm !== undefined);
  const med = (list: Measurement[], pick: (m: Measurement) => number) => median(list.map(pick));
  const pairMed = (pick: (m: Measurement) => number, op: (gv: number, dv: number) => number) => median(pairs.map(([dm, gm]) => op(pick(gm), pick(dm))));
  const ratios = pairs.map(([dm, gm]) => gm.rps / dm.rps);
  const pooled = (list: Measurement[]) => list.reduce((h, m) => h.merge(LatencyHistogram.fromJSON(m.histograms.latency)), new LatencyHistogram()).summary();
  const sum = (list: Measurement[], pick: (m: Measurement) => number) => list.reduce((s, m) => s + pick(m), 0);
  const xCache: Record<string, number> = {};
  for (const m of g) for (const [k, v] of Object.entries(m.xCache)) xCache[k] = (xCache[k] ?? 0) + v;
  const figures = (list: Measurement[]) => ({
    rps: med(list, (m) => m.rps),
    p50: med(list, (m) => m.latency.p50),
    p99: med(list, (m) => m.latency.p99),
    ttfbP50: med(list, (m) => m.ttfb.p50),
    ttfbP99: med(list, (m) => m.ttfb.p99),
  });
  return {
    mode: cell.mode,
    concurrency: cell.concurrency,
    rounds: pairs.length,
    direct: figures(d),
    gateway: figures(g),
    rpsRatio: median(ratios),
    rpsRatioRange: [Math.min(...ratios), Math.max(...ratios)],
    addedP50: pairMed((m) => m.latency.p50, (a, b) => a - b),
    addedP99: pairMed((m) => m.latency.p99, (a, b) => a - b),
    addedTtfbP50: pairMed((m) => m.ttfb.p50, (a, b) => a - b),
    addedTtfbP99: pairMed((m) => m.ttfb.p99, (a, b) => a - b),
    pooled: { direct: pooled(d), gateway: pooled(g) },
    errors: sum(mine, (m) => m.errors),
    upstreamCallsPerGatewayRequest: sum(g, (m) => m.upstreamCalls) / Math.max(1, sum(g, (m) => m.sent)),
    xCache,
    gatewayCpuUsPerReq: med(g, (m) => m.gatewayCpuUsPerReq ?? Number.NaN),
    mockCpuUsPerReq: { direct: med(d, (m) => m.mockCpuUsPerReq ?? Number.NaN), gateway: med(g, (m) => m.mockCpuUsPerReq ?? Number.NaN) },
    maxLoadCpuShare: Math.max(...mine.map((m) => m.loadCpuShare)),
    connections: {
      clientToGateway: med(g, (m) => m.tcp.gateway?.established ?? Number.NaN),
      gatewayToMock: med(g, (m) => m.tcp.mock?.established ?? Number.NaN),
      clientToMockDirect: med(d, (m) => m.tcp.mock?.established ?? Number.NaN),
    },
  };
}

const label = (s: { mode: Mode; concurrency: number }) => `${s.mode === 'json' ? 'JSON' : 'stream'} c=${s.concurrency}`;

export function tables(summaries: CellSummary[], settings: Settings, memory: Record<string, number | undefined>): Table[] {
  const rounds = `median of ${settings.rounds} round${settings.rounds === 1 ? '' : 's'}, ${settings.durationMs / 1000} s per measurement`;
  const headline: Table = {
    title: `Gateway overhead over calling the mock directly (mock latency 0; ${rounds})`,
    columns: ['cell', 'direct req/s', 'gateway req/s', 'gw/direct', 'direct p50', 'gw p50', 'added p50', 'direct p99', 'gw p99', 'added p99', 'errors'],
    rows: summaries.map((s) => [
      label(s),
      fmt(s.direct.rps),
      fmt(s.gateway.rps),
      `${fmt(s.rpsRatio, 2)}x`,
      fmt(s.direct.p50),
      fmt(s.gateway.p50),
      fmtDelta(s.addedP50),
      fmt(s.direct.p99),
      fmt(s.gateway.p99),
      fmtDelta(s.addedP99),
      s.errors,
    ]),
    notes: [
      'Latencies in ms, time to last byte. "gw/direct" and "added" are medians of per-round paired figures (same round, run back to back).',
      'Every gateway request carried `cache-control: no-cache, no-store` and a distinct prompt; errors = non-2xx or network failures (must be 0).',
      "At c=64 both sides run saturated, so latency is about 64 / throughput (Little's law): added latency there is the throughput gap in ms.",
      'Ratios are the claim, not absolute figures: the machine is small and shared, and the load generator shares its cores.',
    ],
  };
  const stream = summaries.filter((s) => s.mode === 'stream');
  const ttfb: Table = {
    title: 'Streaming: time to first byte (ms)',
    columns: ['cell', 'direct p50', 'gw p50', 'added p50', 'direct p99', 'gw p99', 'added p99'],
    rows: stream.map((s) => [label(s), fmt(s.direct.ttfbP50), fmt(s.gateway.ttfbP50), fmtDelta(s.addedTtfbP50), fmt(s.direct.ttfbP99), fmt(s.gateway.ttfbP99), fmtDelta(s.addedTtfbP99)]),
    notes: ['With an unpaced mock a whole answer is ready at once, so first and last byte are close; the gap matters once tokens are paced.'],
  };
  const checks: Table = {
    title: 'Checks and cost per request',
    columns: ['cell', 'upstream calls/req', 'x-cache', 'gw CPU µs/req', 'mock CPU µs/req direct/gw', 'conns client→gw', 'conns gw→mock', 'rps ratio range', 'loadgen CPU max'],
    rows: summaries.map((s) => [
      label(s),
      fmt(s.upstreamCallsPerGatewayRequest, 4),
      Object.entries(s.xCache).map(([k, v]) => `${k}:${v}`).join(' ') || '-',
      fmt(s.gatewayCpuUsPerReq),
      `${fmt(s.mockCpuUsPerReq.direct)} / ${fmt(s.mockCpuUsPerReq.gateway)}`,
      fmt(s.connections.clientToGateway),
      fmt(s.connections.gatewayToMock),
      `${fmt(s.rpsRatioRange[0], 2)}-${fmt(s.rpsRatioRange[1], 2)}`,
      `${Math.round(s.maxLoadCpuShare * 100)}%`,
    ]),
    notes: [
      'upstream calls/req = chat requests the mock saw / requests sent to the gateway (1 = every request a miss, no retries).',
      'CPU µs/req from /proc/<pid>/stat over each measurement (10 ms ticks); conns = ESTABLISHED server-side sockets mid-window: about c (+1 idle bench control connection) means keep-alive reuse; gw→mock also counts pooled idle ones.',
      `Gateway RSS: ${fmt(memory.startMiB)} MiB after start, ${fmt(memory.endMiB)} MiB after the run, peak ${fmt(memory.peakMiB)} MiB (VmRSS / VmHWM).`,
    ],
  };
  return [headline, ttfb, checks];
}
