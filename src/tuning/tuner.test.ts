import { describe, expect, test } from 'bun:test';
import { createLogger } from '../log';
import { createTuner, type Alert, type TunerInputs } from './tuner';

function harness(overrides: Partial<{ size: number; capacity: number; rss: number; queued: number; p95: number | null; errorRate: number | null; hitRate: number | null }> = {}) {
  const state = { size: 100, capacity: 100, l1Hits: 0, l1Lookups: 0, limit: 10, queued: 0, overload: 0, calls: 0, rss: 100e6, gcs: 0, ...overrides };
  const lines: string[] = [];
  const alerts: Alert[] = [];
  const inputs: TunerInputs = {
    l1: { size: () => state.size, capacity: () => state.capacity, resize: (n) => (state.capacity = n), hits: () => state.l1Hits, lookups: () => state.l1Lookups },
    upstream: { limit: () => state.limit, setLimit: (n) => (state.limit = n), queued: () => state.queued, overloadErrors: () => state.overload, calls: () => state.calls },
    memory: () => ({ rssBytes: state.rss, heapUsedBytes: 50e6 }),
    latencyP95Ms: () => overrides.p95 ?? null,
    errorRate: () => overrides.errorRate ?? null,
    hitRate: () => overrides.hitRate ?? null,
    gc: () => (state.gcs += 1),
  };
  const tuner = createTuner({
    inputs,
    logger: createLogger({ write: (line) => lines.push(line) }),
    onAlert: (a) => alerts.push(a),
    bounds: { l1Min: 10, l1Max: 1000, upstreamMin: 2, upstreamMax: 50 },
    targets: { latencyP95Ms: 2000, errorRate: 0.05, minHitRate: 0.2, rssBytes: 1e9, heapBytes: 1e9 },
  });
  return { state, tuner, lines, alerts };
}

describe('self-tuning', () => {
  test('grows a full L1 that serves a real share of lookups, and logs why', () => {
    const h = harness();
    h.state.l1Lookups = 100;
    h.state.l1Hits = 30;
    const report = h.tuner.run();
    expect(report.changes).toEqual([{ what: 'cache.l1_max_entries', from: 100, to: 150, reason: expect.stringContaining('30.0%') }]);
    expect(h.state.capacity).toBe(150);
    expect(h.lines.some((l) => l.includes('tuning.decision') && l.includes('serving'))).toBe(true);
  });

  test('shrinks a full L1 that serves almost nothing, but not below its bound', () => {
    const h = harness({ capacity: 12, size: 12 });
    h.state.l1Lookups = 1000;
    h.state.l1Hits = 1;
    h.tuner.run();
    expect(h.state.capacity).toBe(10);
  });

  test('halves the caches and collects garbage under memory pressure, raising an alert', () => {
    const h = harness({ rss: 2e9 });
    const report = h.tuner.run();
    expect(h.state.capacity).toBe(50);
    expect(h.state.gcs).toBe(1);
    expect(report.alerts.map((a) => a.kind)).toContain('memory');
  });

  test('raises upstream concurrency while callers queue and the upstream is healthy, within bounds', () => {
    const h = harness({ queued: 5 });
    h.tuner.run();
    expect(h.state.limit).toBe(11);
    h.state.limit = 50;
    h.tuner.run();
    expect(h.state.limit).toBe(50);
  });

  test('lowers upstream concurrency when the upstream answers with overload errors', () => {
    const h = harness({ queued: 5 });
    h.state.calls = 100;
    h.state.overload = 10;
    const report = h.tuner.run();
    expect(h.state.limit).toBe(7);
    expect(report.changes[0]!.reason).toContain('overload');
  });

  test('looks only at what happened since the previous run', () => {
    const h = harness();
    h.state.l1Lookups = 100;
    h.state.l1Hits = 30;
    h.tuner.run();
    expect(h.tuner.run().changes).toEqual([]);
  });

  test('alerts when p95 latency, error rate or hit rate cross their targets', () => {
    const h = harness({ p95: 5000, errorRate: 0.2, hitRate: 0.1 });
    const kinds = h.tuner.run().alerts.map((a) => a.kind);
    expect(kinds).toEqual(['latency_p95', 'error_rate', 'hit_rate']);
    expect(h.alerts).toHaveLength(3);
    expect(h.lines.filter((l) => l.includes('"event":"alert"'))).toHaveLength(3);
  });
});
