/**
 * The gateway's metric set, and the proof that its rendered output is valid exposition format: Prometheus's own
 * `promtool check metrics` (Debian package `prometheus`) parses and lints it. Without promtool the check is
 * skipped, unless REQUIRE_SERVICES=1 (CI), where a missing promtool fails: CI must never pass by skipping.
 */
import { describe, expect, test } from 'bun:test';
import { servicesRequired } from '../testing/services';
import { renderPrometheus } from './exposition';
import { BREAKER_STATE_VALUE, CACHE_RESULTS, createGatewayMetrics } from './gateway-metrics';
import { createRegistry } from './registry';

const PROMTOOL_INSTALL = 'apt-get install -y --no-install-recommends prometheus';
const promtool = Bun.which('promtool');

function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function gatewayWithTraffic() {
  const registry = createRegistry({ prefix: 'llmgw_', defaultLabels: { instance: 'gw-test-1' } });
  const clock = fakeClock();
  const memoryUsage = () => ({ rss: 100, heapUsed: 40, heapTotal: 60 });
  const metrics = createGatewayMetrics(registry, {
    now: clock.now,
    memoryUsage,
    collectors: { breakerState: () => BREAKER_STATE_VALUE.half_open },
  });
  metrics.setCollector('dbPoolConnections', () => [
    { labels: { state: 'active' }, value: 3 },
    { labels: { state: 'idle' }, value: 7 },
    { labels: { state: 'max' }, value: 10 },
  ]);
  metrics.setCollector('busDropped', () => [
    { labels: { reason: 'echo' }, value: 12 },
    { labels: { reason: 'malformed' }, value: 1 },
  ]);
  metrics.setCollector('upstreamConcurrencyLimit', () => 64);
  metrics.recordHttpRequest({ route: '/v1/chat/completions', method: 'POST', status: 200, durationSeconds: 0.42 });
  metrics.recordHttpRequest({ route: '/v1/chat/completions', method: 'POST', status: 502, durationSeconds: 30 });
  metrics.recordHttpRequest({ route: '/api/health/ping', method: 'GET', status: 200, durationSeconds: 0.0007 });
  metrics.recordCacheLookup('HIT');
  metrics.recordCacheLookup('SEMANTIC_HIT', 0.93);
  metrics.recordCacheLookup('MISS', 0.71);
  metrics.recordCacheLookup('BYPASS');
  metrics.recordUpstreamCall({ model: 'deepseek-chat', durationSeconds: 1.8 });
  metrics.recordUpstreamCall({ model: 'deepseek-chat', durationSeconds: 30, errorCode: 'upstream_timeout' });
  metrics.embeddingDuration.observe(0.004);
  metrics.embeddingBatchSize.observe(8);
  metrics.vectorSearchDuration.observe(0.0003);
  metrics.httpInFlight.inc();
  metrics.wsConnections.inc();
  metrics.wsMessages.inc({ direction: 'in', type: 'chat' });
  metrics.wsMessages.inc({ direction: 'out', type: 'delta' }, 40);
  metrics.tokens.inc({ direction: 'prompt', source: 'upstream' }, 120);
  metrics.tokens.inc({ direction: 'completion', source: 'cache' }, 300);
  metrics.costSpent.inc({ model: 'deepseek-chat' }, 0.000_123);
  metrics.costSaved.inc({ model: 'deepseek-chat' }, 0.000_456);
  metrics.rateLimitRejections.inc({ class: 'chat' });
  metrics.alerts.inc({ kind: 'p95_latency' });
  // A hostile label value: escaping must keep the output parseable.
  metrics.wsMessages.inc({ direction: 'in', type: 'we"ird\\type\nx' });
  return { registry, metrics, clock };
}

async function promtoolCheck(text: string): Promise<{ exitCode: number; output: string }> {
  const proc = Bun.spawn([promtool as string, 'check', 'metrics'], { stdin: new Blob([text]), stdout: 'pipe', stderr: 'pipe' });
  const [out, err, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { exitCode, output: `${out}${err}`.trim() };
}

describe('gateway metrics', () => {
  test('one HTTP request updates the Prometheus counter, the histogram and the real-time window', () => {
    const { metrics } = gatewayWithTraffic();
    expect(metrics.httpRequests.get({ route: '/v1/chat/completions', method: 'POST', status: 502 })).toBe(1);
    expect(metrics.httpRequestDuration.get({ route: '/v1/chat/completions' })?.count).toBe(2);
    const snap = metrics.realtimeSnapshot();
    expect(snap.requests.perSecond60s).toBe(3);
    expect(snap.errorRate60s).toBeCloseTo(1 / 3, 10);
    expect(snap.latencyMs.max).toBe(30_000);
    expect(snap.upstreamLatencyMs.count).toBe(2);
    expect(snap.connections).toEqual({ websocket: 1, httpInFlight: 1 });
    expect(snap.memory).toEqual({ rssBytes: 100, heapUsedBytes: 40, heapTotalBytes: 60 });
  });

  test('computes the hit rate over lookups that consulted the cache, leaving BYPASS out', () => {
    const { metrics } = gatewayWithTraffic();
    expect(metrics.realtimeSnapshot().cache).toEqual({ lookups60s: 3, hitRate60s: 2 / 3, semanticHitRate60s: 1 / 3 });
    expect(metrics.cacheLookups.get({ result: 'BYPASS' })).toBe(1);
    expect(metrics.cacheSimilarity.get()?.count).toBe(2);
  });

  test('exposes every cache result, token kind and limit class at zero before the first event', () => {
    const registry = createRegistry({ prefix: 'llmgw_' });
    createGatewayMetrics(registry);
    const text = renderPrometheus(registry);
    for (const result of CACHE_RESULTS) expect(text).toContain(`llmgw_cache_lookups_total{result="${result}"} 0\n`);
    expect(text).toContain('llmgw_tokens_total{direction="completion",source="cache"} 0\n');
    expect(text).toContain('llmgw_rate_limit_rejections_total{class="chat"} 0\n');
  });

  test('reads pull-based gauges from their collectors at scrape time', () => {
    const { registry, metrics } = gatewayWithTraffic();
    let state: keyof typeof BREAKER_STATE_VALUE = 'closed';
    metrics.setCollector('breakerState', () => BREAKER_STATE_VALUE[state]);
    expect(renderPrometheus(registry)).toContain('llmgw_upstream_circuit_breaker_state{instance="gw-test-1"} 0\n');
    state = 'open';
    const text = renderPrometheus(registry);
    expect(text).toContain('llmgw_upstream_circuit_breaker_state{instance="gw-test-1"} 2\n');
    expect(text).toContain('llmgw_db_pool_connections{state="idle",instance="gw-test-1"} 7\n');
    expect(text).toContain('llmgw_bus_messages_dropped_total{reason="echo",instance="gw-test-1"} 12\n');
  });

  const checkName = 'the full gateway metric set, with traffic, passes promtool check metrics';
  if (promtool) {
    test(checkName, async () => {
      const text = renderPrometheus(gatewayWithTraffic().registry);
      expect(await promtoolCheck(text)).toEqual({ exitCode: 0, output: '' });
    });
    test('promtool rejects broken exposition, so the check above can fail', async () => {
      const broken = await promtoolCheck('# TYPE requests counter\nrequests{route="/a} 1\n');
      expect(broken.exitCode).not.toBe(0);
      const unlinted = await promtoolCheck('# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n');
      expect(unlinted.output).toContain('_total');
    });
  } else if (servicesRequired) {
    test(checkName, () => {
      throw new Error(`REQUIRE_SERVICES=1 but promtool is not installed (${PROMTOOL_INSTALL})`);
    });
  } else {
    console.warn(`[metrics] promtool not found: skipping the exposition format check (install: ${PROMTOOL_INSTALL})`);
    test.skip(`${checkName} [skipped: promtool not installed]`, () => {});
  }
});
