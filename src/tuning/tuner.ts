/**
 * The self-tuning step: reads what the instance measured and adjusts what can safely be adjusted at run time,
 * within configured bounds, logging every decision with its reason.
 *
 * - L1 size follows its measured utility: grown when it is full and serves a real share of the hits, shrunk
 *   when it is full but serves almost nothing (its memory buys nothing), never past the memory bound.
 * - Upstream concurrency follows observed waiting: raised when callers queue for slots while the upstream is
 *   healthy, lowered when the upstream answers with overload errors (additive increase, multiplicative
 *   decrease, as in TCP congestion control, RFC 5681).
 * - Memory safety: above the RSS or heap threshold the caches shrink and a full GC runs.
 * - Alerts: p95 latency, error rate and hit rate are compared with their targets; each crossing is a structured
 *   log line and a metric.
 * The database pool is reported, not tuned: postgres.js cannot resize a pool at run time.
 */
import type { Logger } from '../log';

export interface TuningDecision {
  what: string;
  from: number;
  to: number;
  reason: string;
}

export interface Alert {
  kind: 'latency_p95' | 'error_rate' | 'hit_rate' | 'memory';
  value: number;
  target: number;
  message: string;
}

export interface TuningReport {
  at: string;
  changes: TuningDecision[];
  alerts: Alert[];
  observed: Record<string, number | null>;
}

/** What the tuner reads and turns, as plain functions so tests drive it with doubles. */
export interface TunerInputs {
  l1: { size(): number; capacity(): number; resize(n: number): void; hits(): number; lookups(): number };
  upstream?: { limit(): number; setLimit(n: number): void; queued(): number; overloadErrors(): number; calls(): number };
  memory(): { rssBytes: number; heapUsedBytes: number };
  latencyP95Ms(): number | null;
  errorRate(): number | null;
  hitRate(): number | null;
  gc?: () => void;
}

export interface TunerOptions {
  inputs: TunerInputs;
  logger: Logger;
  onAlert?: (alert: Alert) => void;
  bounds: { l1Min: number; l1Max: number; upstreamMin: number; upstreamMax: number };
  targets: { latencyP95Ms: number; errorRate: number; minHitRate: number; rssBytes: number; heapBytes: number };
}

export interface Tuner {
  run(): TuningReport;
  history(): TuningReport[];
}

export function createTuner(options: TunerOptions): Tuner {
  const { inputs, logger, bounds, targets } = options;
  const history: TuningReport[] = [];
  // Counters are cumulative; each run looks at what happened since the previous run.
  let last = { l1Hits: inputs.l1.hits(), l1Lookups: inputs.l1.lookups(), overload: inputs.upstream?.overloadErrors() ?? 0, calls: inputs.upstream?.calls() ?? 0 };

  function run(): TuningReport {
    const changes: TuningDecision[] = [];
    const alerts: Alert[] = [];
    const change = (what: string, from: number, to: number, reason: string, apply: (n: number) => void) => {
      if (from === to) return;
      apply(to);
      changes.push({ what, from, to, reason });
    };

    const memory = inputs.memory();
    const pressure = memory.rssBytes > targets.rssBytes || memory.heapUsedBytes > targets.heapBytes;
    const l1Hits = inputs.l1.hits() - last.l1Hits;
    const l1Lookups = inputs.l1.lookups() - last.l1Lookups;
    const l1Utility = l1Lookups > 0 ? l1Hits / l1Lookups : 0;
    const capacity = inputs.l1.capacity();
    const full = inputs.l1.size() >= capacity;

    if (pressure) {
      change('cache.l1_max_entries', capacity, Math.max(bounds.l1Min, Math.floor(capacity / 2)), `memory above target (rss ${mb(memory.rssBytes)} MB, heap ${mb(memory.heapUsedBytes)} MB)`, inputs.l1.resize);
      inputs.gc?.();
      alerts.push({ kind: 'memory', value: memory.rssBytes, target: targets.rssBytes, message: 'memory above target: caches shrunk and garbage collected' });
    } else if (full && l1Lookups >= 50 && l1Utility >= 0.05) {
      change('cache.l1_max_entries', capacity, Math.min(bounds.l1Max, Math.ceil(capacity * 1.5)), `L1 full and serving ${(l1Utility * 100).toFixed(1)}% of lookups`, inputs.l1.resize);
    } else if (full && l1Lookups >= 200 && l1Utility < 0.005) {
      change('cache.l1_max_entries', capacity, Math.max(bounds.l1Min, Math.floor(capacity * 0.75)), `L1 full but serving only ${(l1Utility * 100).toFixed(2)}% of lookups`, inputs.l1.resize);
    }

    const upstream = inputs.upstream;
    if (upstream) {
      const limit = upstream.limit();
      const overload = upstream.overloadErrors() - last.overload;
      const calls = upstream.calls() - last.calls;
      if (overload > 0 && calls > 0 && overload / calls > 0.02) {
        change('upstream.max_connections', limit, Math.max(bounds.upstreamMin, Math.floor(limit * 0.7)), `${overload} of ${calls} upstream calls answered with overload errors`, upstream.setLimit);
      } else if (upstream.queued() > 0 && overload === 0) {
        change('upstream.max_connections', limit, Math.min(bounds.upstreamMax, limit + Math.max(1, Math.ceil(limit * 0.1))), `${upstream.queued()} callers waiting for an upstream slot while the upstream is healthy`, upstream.setLimit);
      }
      last = { ...last, overload: upstream.overloadErrors(), calls: upstream.calls() };
    }
    last = { ...last, l1Hits: inputs.l1.hits(), l1Lookups: inputs.l1.lookups() };

    const p95 = inputs.latencyP95Ms();
    const errorRate = inputs.errorRate();
    const hitRate = inputs.hitRate();
    if (p95 !== null && p95 > targets.latencyP95Ms) alerts.push({ kind: 'latency_p95', value: p95, target: targets.latencyP95Ms, message: `p95 latency ${p95.toFixed(0)} ms above ${targets.latencyP95Ms} ms` });
    if (errorRate !== null && errorRate > targets.errorRate) alerts.push({ kind: 'error_rate', value: errorRate, target: targets.errorRate, message: `error rate ${(errorRate * 100).toFixed(1)}% above ${(targets.errorRate * 100).toFixed(1)}%` });
    if (hitRate !== null && hitRate < targets.minHitRate) alerts.push({ kind: 'hit_rate', value: hitRate, target: targets.minHitRate, message: `cache hit rate ${(hitRate * 100).toFixed(1)}% below ${(targets.minHitRate * 100).toFixed(1)}%` });

    for (const decision of changes) logger.info('tuning.decision', { ...decision });
    for (const alert of alerts) {
      logger.warn('alert', { ...alert });
      options.onAlert?.(alert);
    }
    const report: TuningReport = {
      at: new Date().toISOString(),
      changes,
      alerts,
      observed: { rssMb: mb(memory.rssBytes), heapMb: mb(memory.heapUsedBytes), l1Utility, latencyP95Ms: p95, errorRate, hitRate },
    };
    history.push(report);
    if (history.length > 50) history.shift();
    return report;
  }

  return { run, history: () => [...history] };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
