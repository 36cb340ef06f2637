/**
 * The windowed figures behind `GET /api/v1/performance/metrics` and the alert checks: request rates, latency
 * percentiles, error rate and cache hit rate over the last seconds rather than since start, so an incident shows
 * within seconds and a recovered one stops alerting. Prometheus gets the same events as counters and histograms
 * (gateway-metrics.ts records both from one call); these are the in-process view of the last minute.
 */
import { createWindowedRate, createWindowedSummary, type Clock, type SummarySnapshot } from './quantiles';

export type CacheResult = 'HIT' | 'SEMANTIC_HIT' | 'MISS' | 'BYPASS' | 'REFRESH';

export interface RealtimeStatsOptions {
  now?: Clock;
  memoryUsage?: () => { rss: number; heapUsed: number; heapTotal: number };
}

export interface RealtimeSnapshot {
  requests: { perSecond10s: number; perSecond60s: number };
  /** Share of requests in the last 60 s answered with a 5xx; null when there were none. */
  errorRate60s: number | null;
  /** Whole-request latency in milliseconds over the last 60 s. */
  latencyMs: SummarySnapshot;
  upstreamLatencyMs: SummarySnapshot;
  cache: {
    lookups60s: number;
    /** (HIT + SEMANTIC_HIT) / lookups that consulted the cache (BYPASS excluded); null when there were none. */
    hitRate60s: number | null;
    semanticHitRate60s: number | null;
  };
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number };
}

export interface RealtimeStats {
  recordRequest(status: number, durationSeconds: number): void;
  recordUpstream(durationSeconds: number): void;
  recordCacheLookup(result: CacheResult): void;
  snapshot(): RealtimeSnapshot;
}

export function createRealtimeStats(options: RealtimeStatsOptions = {}): RealtimeStats {
  const now = options.now ?? Date.now;
  const memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
  const requests = createWindowedRate({ now });
  const serverErrors = createWindowedRate({ now });
  const latencyMs = createWindowedSummary({ now });
  const upstreamLatencyMs = createWindowedSummary({ now });
  const lookups = createWindowedRate({ now });
  const hits = createWindowedRate({ now });
  const semanticHits = createWindowedRate({ now });
  const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

  return {
    recordRequest(status, durationSeconds) {
      requests.add();
      if (status >= 500) serverErrors.add();
      latencyMs.observe(durationSeconds * 1000);
    },
    recordUpstream(durationSeconds) {
      upstreamLatencyMs.observe(durationSeconds * 1000);
    },
    recordCacheLookup(result) {
      if (result === 'BYPASS') return;
      lookups.add();
      if (result === 'HIT' || result === 'SEMANTIC_HIT') hits.add();
      if (result === 'SEMANTIC_HIT') semanticHits.add();
    },
    snapshot() {
      // Reading RSS needs a free file descriptor; a process out of them still reports everything else.
      let memory: { rss: number; heapUsed: number; heapTotal: number };
      try {
        memory = memoryUsage();
      } catch {
        memory = { rss: 0, heapUsed: 0, heapTotal: 0 };
      }
      const lookups60s = lookups.count(60);
      return {
        requests: { perSecond10s: requests.rate(10), perSecond60s: requests.rate(60) },
        errorRate60s: ratio(serverErrors.count(60), requests.count(60)),
        latencyMs: latencyMs.snapshot(),
        upstreamLatencyMs: upstreamLatencyMs.snapshot(),
        cache: {
          lookups60s,
          hitRate60s: ratio(hits.count(60), lookups60s),
          semanticHitRate60s: ratio(semanticHits.count(60), lookups60s),
        },
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal },
      };
    },
  };
}
