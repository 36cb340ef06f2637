/**
 * The gateway's metric set, defined in one place so names, units and label sets are reviewed together.
 *
 * Naming follows https://prometheus.io/docs/practices/naming/: base units (seconds, bytes), the unit as a suffix,
 * `_total` on counters, and labels only for bounded dimensions. Routes must be templates (`/v1/chat/completions`,
 * `/api/v1/sessions/:id`), never raw paths; model names and codes come from configuration or closed sets. The
 * registry's series cap is the backstop if one of those assumptions is broken by a client.
 *
 * Gauges for state owned elsewhere (breaker, pools, bus counters) are pull-based: `setCollector(name, fn)` wires
 * them once the components exist, since this factory runs before they do (or in tests without them).
 */
import { createRealtimeStats, type CacheResult, type RealtimeSnapshot, type RealtimeStatsOptions } from './realtime-stats';
import type { Collector, Registry } from './registry';

export type { CacheResult } from './realtime-stats';
export const CACHE_RESULTS: readonly CacheResult[] = ['HIT', 'SEMANTIC_HIT', 'MISS', 'BYPASS', 'REFRESH'];

/** Numeric encoding of the breaker state for `upstream_circuit_breaker_state` (documented in its help text). */
export const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

// Bucket bounds in seconds. HTTP and upstream reach minutes because a streamed completion can take that long.
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
const EMBED_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const SEARCH_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
/** Fine near the top, where semantic-hit thresholds live (typically 0.85 to 0.97). */
const SIMILARITY_BUCKETS = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.975, 0.99, 1];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

function defineMetrics(r: Registry) {
  const counter = <L extends string = never>(name: string, help: string, labelNames?: readonly L[]) => r.counter({ name, help, labelNames });
  const gauge = <L extends string = never>(name: string, help: string, labelNames?: readonly L[]) => r.gauge({ name, help, labelNames });
  const histogram = <L extends string = never>(name: string, buckets: number[], help: string, labelNames?: readonly L[]) =>
    r.histogram({ name, help, labelNames, buckets });
  return {
    httpRequests: counter(
      'http_requests_total', 'HTTP requests answered, by route template, method and status code.', ['route', 'method', 'status'],
    ),
    httpRequestDuration: histogram(
      'http_request_duration_seconds', HTTP_BUCKETS, 'Time from request received to response complete (end of stream for SSE).', ['route'],
    ),
    httpInFlight: gauge('http_requests_in_flight', 'HTTP requests being handled right now.'),
    cacheLookups: counter(
      'cache_lookups_total', 'Chat cache lookups by result: HIT, SEMANTIC_HIT, MISS, BYPASS or REFRESH.', ['result'],
    ),
    cacheSimilarity: histogram(
      'cache_semantic_similarity', SIMILARITY_BUCKETS, 'Cosine similarity of the best semantic candidate per lookup.',
    ),
    embeddingDuration: histogram('embedding_duration_seconds', EMBED_BUCKETS, 'Time to embed one batch of texts.'),
    embeddingBatchSize: histogram('embedding_batch_size', BATCH_BUCKETS, 'Texts per embedding batch.'),
    vectorSearchDuration: histogram(
      'vector_search_duration_seconds', SEARCH_BUCKETS, 'Time for one nearest-neighbour search in the vector index.',
    ),
    upstreamRequests: counter('upstream_requests_total', 'Calls made to the LLM upstream, by model.', ['model']),
    upstreamErrors: counter(
      'upstream_errors_total', 'Upstream calls that failed, by model and gateway error code.', ['model', 'code'],
    ),
    upstreamDuration: histogram(
      'upstream_request_duration_seconds', UPSTREAM_BUCKETS, 'Time for one upstream call, to the last byte.', ['model'],
    ),
    breakerState: gauge('upstream_circuit_breaker_state', 'Upstream circuit breaker: 0 closed, 1 half-open, 2 open.'),
    upstreamConcurrencyInUse: gauge('upstream_concurrency_in_use', 'Upstream call slots in use.'),
    upstreamConcurrencyLimit: gauge('upstream_concurrency_limit', 'Upstream call slots available in total (self-tuned).'),
    upstreamQueueDepth: gauge('upstream_queue_depth', 'Callers waiting for an upstream call slot.'),
    dbPoolConnections: gauge('db_pool_connections', 'Database pool connections by state (active, idle, max).', ['state']),
    dbPoolWaiting: gauge('db_pool_waiting_queries', 'Queries waiting for a database connection.'),
    wsConnections: gauge('websocket_connections', 'Open WebSocket connections.'),
    wsMessages: counter(
      'websocket_messages_total', 'WebSocket frames by direction (in, out) and protocol message type.', ['direction', 'type'],
    ),
    busPublished: counter('bus_messages_published_total', 'Cache events this instance published on the bus.'),
    busReceived: counter('bus_messages_received_total', 'Valid bus events received from other instances.'),
    busDropped: counter(
      'bus_messages_dropped_total', 'Bus events dropped, by reason (echo, malformed, publish_failed, handler_error).', ['reason'],
    ),
    tokens: counter(
      'tokens_total', 'Tokens by direction (prompt, completion) and source (upstream, cache).', ['direction', 'source'],
    ),
    costSpent: counter('cost_spent_usd_total', 'Estimated upstream spend in US dollars, by model.', ['model']),
    costSaved: counter(
      'cost_saved_usd_total', 'Estimated upstream spend avoided by cache hits in US dollars, by model.', ['model'],
    ),
    rateLimitRejections: counter(
      'rate_limit_rejections_total', 'Requests refused with 429, by limit class (chat, api).', ['class'],
    ),
    alerts: counter('alerts_total', 'Alerts raised (latency, error rate, hit rate, memory), by kind.', ['kind']),
  };
}

type MetricSet = ReturnType<typeof defineMetrics>;
type PullName =
  | 'breakerState' | 'upstreamConcurrencyInUse' | 'upstreamConcurrencyLimit' | 'upstreamQueueDepth'
  | 'dbPoolConnections' | 'dbPoolWaiting' | 'wsConnections' | 'busPublished' | 'busReceived' | 'busDropped';
type LabelsOf<M> = M extends { setCollector(c: Collector<infer L> | undefined): void } ? L : never;
export type GatewayCollectors = { [K in PullName]?: Collector<LabelsOf<MetricSet[K]>> };

export interface GatewayMetricsOptions extends RealtimeStatsOptions {
  collectors?: GatewayCollectors;
}

export function createGatewayMetrics(registry: Registry, options: GatewayMetricsOptions = {}) {
  const m = defineMetrics(registry);
  const realtime = createRealtimeStats(options);
  // Known label values exist at 0 from the start, so rate() and ratios work before the first event.
  for (const result of CACHE_RESULTS) m.cacheLookups.inc({ result }, 0);
  for (const direction of ['prompt', 'completion']) for (const source of ['upstream', 'cache']) m.tokens.inc({ direction, source }, 0);
  for (const cls of ['chat', 'api']) m.rateLimitRejections.inc({ class: cls }, 0);

  function setCollector<K extends PullName>(name: K, collect: GatewayCollectors[K]): void {
    (m[name] as { setCollector(c: unknown): void }).setCollector(collect);
  }
  for (const [name, collect] of Object.entries(options.collectors ?? {})) setCollector(name as PullName, collect as never);

  return {
    ...m,
    setCollector,
    realtime,
    /** One finished HTTP request: Prometheus counter and histogram plus the windowed figures. */
    recordHttpRequest(r: { route: string; method: string; status: number; durationSeconds: number }) {
      m.httpRequests.inc({ route: r.route, method: r.method, status: r.status });
      m.httpRequestDuration.observe({ route: r.route }, r.durationSeconds);
      realtime.recordRequest(r.status, r.durationSeconds);
    },
    /** One cache decision; `similarity` is the best semantic candidate's score when a search ran. */
    recordCacheLookup(result: CacheResult, similarity?: number) {
      m.cacheLookups.inc({ result });
      if (similarity !== undefined) m.cacheSimilarity.observe(similarity);
      realtime.recordCacheLookup(result);
    },
    /** One upstream call; `errorCode` is the gateway's error code when it failed. */
    recordUpstreamCall(r: { model: string; durationSeconds: number; errorCode?: string }) {
      m.upstreamRequests.inc({ model: r.model });
      if (r.errorCode !== undefined) m.upstreamErrors.inc({ model: r.model, code: r.errorCode });
      m.upstreamDuration.observe({ model: r.model }, r.durationSeconds);
      realtime.recordUpstream(r.durationSeconds);
    },
    /** The real-time JSON for `/api/v1/performance/metrics`. */
    realtimeSnapshot(): RealtimeSnapshot & { connections: { websocket: number; httpInFlight: number } } {
      return { ...realtime.snapshot(), connections: { websocket: m.wsConnections.get(), httpInFlight: m.httpInFlight.get() } };
    },
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
