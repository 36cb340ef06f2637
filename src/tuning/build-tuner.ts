/**
 * Connects the self-tuning step to the running gateway: which numbers it reads, which knobs it turns, its bounds
 * from config, and its schedule. Kept out of main.ts so the composition root stays a readable list of parts.
 */
import type { SemanticCache } from '../cache/semantic-cache';
import type { Config } from '../config';
import type { ConcurrencyLimiter } from '../llm/concurrency-limiter';
import type { UpstreamStats } from '../llm/instrumented-provider';
import type { Logger } from '../log';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import { createTuner, type Tuner } from './tuner';

export interface TunerWiring {
  config: Config;
  logger: Logger;
  metrics: GatewayMetrics;
  cache: () => SemanticCache | undefined;
  limiter: ConcurrencyLimiter;
  upstreamStats: () => UpstreamStats;
}

/** Upstream answers that mean "too much load": the signal to lower concurrency. */
const OVERLOAD_CODES = ['upstream_rate_limited', 'upstream_overloaded', 'upstream_unavailable'] as const;

export function buildTuner({ config, logger, metrics, cache, limiter, upstreamStats }: TunerWiring): Tuner & { stop(): void } {
  const tuner = createTuner({
    logger,
    onAlert: (alert) => metrics.alerts.inc({ kind: alert.kind }),
    bounds: {
      l1Min: Math.min(100, config.CACHE_L1_MAX_ENTRIES),
      l1Max: Math.max(config.CACHE_L1_MAX_ENTRIES, config.CACHE_L1_MAX_ENTRIES_CEILING),
      upstreamMin: Math.max(1, Math.floor(config.LLM_MAX_CONNECTIONS / 4)),
      upstreamMax: config.LLM_MAX_CONNECTIONS * 2,
    },
    targets: {
      latencyP95Ms: config.ALERT_P95_MS,
      errorRate: config.ALERT_ERROR_RATE,
      minHitRate: config.ALERT_MIN_HIT_RATE,
      rssBytes: config.MEMORY_SOFT_LIMIT_MB * 1024 * 1024,
      heapBytes: config.MEMORY_SOFT_LIMIT_MB * 1024 * 1024 * 0.75,
    },
    inputs: {
      l1: {
        size: () => cache()?.l1.size ?? 0,
        capacity: () => cache()?.l1.capacity ?? 0,
        resize: (n) => cache()?.l1.resize(n),
        hits: () => cache()?.stats().l1Hits ?? 0,
        lookups: () => {
          const stats = cache()?.stats();
          return stats ? stats.hits + stats.semanticHits + stats.misses : 0;
        },
      },
      upstream: {
        limit: () => limiter.limit,
        setLimit: (n) => limiter.setLimit(n),
        queued: () => limiter.queued,
        overloadErrors: () => {
          const errors = upstreamStats().errors;
          return OVERLOAD_CODES.reduce((sum, code) => sum + (errors[code] ?? 0), 0);
        },
        calls: () => upstreamStats().calls,
      },
      memory: () => {
        try {
          const usage = process.memoryUsage();
          return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed };
        } catch {
          // Reading RSS needs a free file descriptor; without one, report no pressure rather than fail.
          return { rssBytes: 0, heapUsedBytes: 0 };
        }
      },
      latencyP95Ms: () => metrics.realtimeSnapshot().latencyMs.p95,
      errorRate: () => metrics.realtimeSnapshot().errorRate60s,
      hitRate: () => metrics.realtimeSnapshot().cache.hitRate60s,
      gc: () => Bun.gc(true),
    },
  });
  // A failing step (e.g. memory figures unreadable when the process is out of file descriptors) is logged,
  // never allowed to take the process and its open sockets down.
  const runSafely = () => {
    try {
      tuner.run();
    } catch (error) {
      logger.warn('tuning.failed', { error });
    }
  };
  const timer = config.TUNING_INTERVAL_MS > 0 ? setInterval(runSafely, config.TUNING_INTERVAL_MS) : undefined;
  timer?.unref?.();
  return { ...tuner, stop: () => clearInterval(timer) };
}
