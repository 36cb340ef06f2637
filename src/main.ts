/**
 * Builds the gateway from one validated config, wires every adapter, listens, and shuts down in order.
 * This is the only module that constructs concrete adapters. `bun run start` runs it; tests call
 * `startGateway` with their own config to exercise the real composition.
 */
import Redis from 'ioredis';
import { createDb, type Database } from '../db/client';
import { migrateDb } from '../db/migrate';
import { createApp } from './app';
import { createAuthenticator } from './auth/api-keys';
import { createChatService } from './chat/chat.service';
import { createDrizzleConversationStore } from './chat/drizzle-conversation-store';
import { ConfigError, loadConfig, type Config } from './config';
import { createHealthService } from './health/health.service';
import { createLifecycle } from './lifecycle';
import type { ConcurrencyLimiter } from './llm/concurrency-limiter';
import type { LlmProvider } from './llm/llm-provider';
import { buildTuner } from './tuning/build-tuner';
import { createSocketHub } from './ws/chat.socket';
import { openFileLimit, socketCap } from './ws/fd-limit';
import { createIdempotency } from './idempotency/idempotency';
import { createMemoryIdempotencyStore } from './idempotency/memory-idempotency-store';
import { createRedisIdempotencyStore } from './idempotency/redis-idempotency-store';
import { createMockProvider } from './llm/mock-provider';
import { createOpenAiCompatibleProvider } from './llm/openai-compatible-provider';
import { createLogger, type Logger } from './log';
import { buildSemanticCache } from './cache/build-cache';
import type { SemanticCache } from './cache/semantic-cache';
import type { Bus } from './sync/bus';
import { createMemoryBus } from './sync/memory-bus';
import { createRedisBus } from './sync/redis-bus';
import { createDrizzleUsageStore } from './usage/drizzle-usage-store';
import { instrumentProvider } from './llm/instrumented-provider';
import { BREAKER_STATE_VALUE, createGatewayMetrics } from './metrics/gateway-metrics';
import { createRegistry } from './metrics/registry';
import { buildRateLimiter } from './ratelimit/build-limiter';
import { rateRule } from './ratelimit/rate-limiter';
import { createUsageRecorder } from './usage/usage-recorder';

export interface RunningGateway {
  url: string;
  port: number;
  config: Config;
  /** Ordered graceful shutdown; resolves when everything is closed. */
  stop(reason?: string): Promise<void>;
}

function createProvider(config: Config, logger: Logger): LlmProvider & { limiter: ConcurrencyLimiter } {
  if (!config.LLM_API_KEY) {
    logger.warn('llm.mock_provider', {
      message: 'No LLM_API_KEY or DEEPSEEK_API_KEY set: answering with the BUILT-IN MOCK LLM. Set a key to call a real model.',
    });
    return createMockProvider({
      latencyMs: config.MOCK_LLM_LATENCY_MS,
      tokensPerSec: config.MOCK_LLM_TOKENS_PER_SEC,
      maxConnections: config.LLM_MAX_CONNECTIONS,
      maxQueue: config.LLM_MAX_QUEUE,
      logger,
    });
  }
  return createOpenAiCompatibleProvider({
    baseUrl: config.LLM_BASE_URL,
    apiKey: config.LLM_API_KEY,
    maxConnections: config.LLM_MAX_CONNECTIONS,
    maxQueue: config.LLM_MAX_QUEUE,
    connectTimeoutMs: config.LLM_CONNECT_TIMEOUT_MS,
    totalTimeoutMs: config.LLM_TIMEOUT_MS,
    idleTimeoutMs: config.LLM_STREAM_IDLE_TIMEOUT_MS,
    retries: { maxAttempts: config.LLM_MAX_RETRIES + 1 },
    logger,
  });
}

export async function startGateway(config: Config, logger: Logger = createLogger({ level: config.LOG_LEVEL, fields: { instance: config.INSTANCE_ID } })): Promise<RunningGateway> {
  if (config.API_KEYS.length === 0) {
    logger.warn('auth.open_mode', { message: 'GATEWAY_API_KEYS is not set: OPEN single-tenant mode, every caller shares one tenant and no key is checked.' });
  }
  const database: Database = await createDb({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: config.DB_POOL_MAX, logger });
  await migrateDb(database);
  // Commands fail at once while Redis is down (no offline queue): Redis only ever accelerates or syncs.
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: `l2:${config.INSTANCE_ID}` }) : undefined;
  redis?.on('error', () => {}); // state changes are visible through redis.status; the cache logs throttled warnings
  const bus: Bus = config.REDIS_URL
    ? createRedisBus({ url: config.REDIS_URL, prefix: config.REDIS_PREFIX, instanceId: config.INSTANCE_ID, logger })
    : createMemoryBus({ instanceId: config.INSTANCE_ID, logger });
  if (config.REDIS_URL && !(await bus.ready(5_000))) logger.warn('bus.not_ready', { message: 'Redis is unreachable; running single-instance until it returns.' });
  // `gateway_instance`, not `instance`: Prometheus sets `instance` itself at scrape time.
  const registry = createRegistry({ prefix: 'llmgw_', defaultLabels: { gateway_instance: config.INSTANCE_ID } });
  const metrics = createGatewayMetrics(registry);
  const rawProvider = createProvider(config, logger);
  const provider = instrumentProvider(rawProvider, metrics);
  const lifecycle = createLifecycle();
  const usageStore = createDrizzleUsageStore({ db: database.db });
  const usage = createUsageRecorder({ store: usageStore, logger, prices: config.PRICES });
  const { limiter, close: closeLimiter } = buildRateLimiter(config, logger);
  metrics.setCollector('breakerState', () => BREAKER_STATE_VALUE[provider.health().breaker]);
  metrics.setCollector('upstreamConcurrencyInUse', () => provider.health().inFlight);
  metrics.setCollector('upstreamConcurrencyLimit', () => provider.health().maxConnections);
  metrics.setCollector('upstreamQueueDepth', () => provider.health().queued);
  metrics.setCollector('dbPoolConnections', () => [{ labels: { state: 'max' }, value: database.poolStats().max }]);
  metrics.setCollector('busPublished', () => bus.stats().published);
  metrics.setCollector('busReceived', () => bus.stats().received);
  metrics.setCollector('busDropped', () => {
    const stats = bus.stats();
    return [
      { labels: { reason: 'echo' }, value: stats.droppedEchoes },
      { labels: { reason: 'malformed' }, value: stats.droppedMalformed },
      { labels: { reason: 'publish_failed' }, value: stats.publishFailures },
      { labels: { reason: 'handler_error' }, value: stats.handlerErrors },
    ];
  });
  let cache: SemanticCache | undefined;
  if (config.CACHE_ENABLED) {
    cache = await buildSemanticCache({ config, db: database.db, redis, bus, logger });
    // The index is rebuilt from Postgres before the instance reports ready.
    await cache.start();
  }
  const conversations = createDrizzleConversationStore({ db: database.db });
  const auth = createAuthenticator({ keys: config.API_KEYS, adminTenants: config.ADMIN_TENANTS });
  const chat = createChatService({
    provider,
    cache,
    conversations,
    usage,
    models: config.LLM_MODELS,
    defaultModel: config.LLM_MODEL,
    logger,
    metrics,
    prices: config.PRICES,
  });
  const idempotencyLeaseMs = config.LLM_TIMEOUT_MS * (config.LLM_MAX_RETRIES + 1) + 30_000;
  const idempotency = createIdempotency({
    store: redis
      ? createRedisIdempotencyStore({ redis, prefix: config.REDIS_PREFIX, logger, leaseMs: idempotencyLeaseMs })
      : createMemoryIdempotencyStore({ leaseMs: idempotencyLeaseMs }),
    ttlMs: config.IDEMPOTENCY_TTL_MS,
    waitMs: config.IDEMPOTENCY_WAIT_MS,
  });
  const tuner = buildTuner({ config, logger, metrics, cache: () => cache, limiter: rawProvider.limiter, upstreamStats: () => provider.stats() });
  const health = createHealthService({
    instanceId: config.INSTANCE_ID,
    lifecycle,
    upstream: () => provider.health(),
    dependencies: [
      { name: 'database', critical: true, check: async () => ({ ok: await database.ping(), detail: { driver: database.driver } }) },
      { name: 'rate_limiter', critical: false, check: async () => ({ ok: limiter.health().mode !== 'degraded-local', detail: { ...limiter.health() } }) },
      ...(config.REDIS_URL ? [{ name: 'redis', critical: false, check: async () => ({ ok: bus.stats().connected && redis?.status === 'ready', detail: { bus: bus.stats().connected, l2: redis?.status } }) }] : []),
    ],
  });
  const sockets = createSocketHub({
    auth,
    chat,
    conversations,
    bus,
    lifecycle,
    logger,
    options: {
      chatPerSec: config.RATE_LIMIT_CHAT_PER_SEC,
      chatBurst: Math.max(1, Math.ceil(config.RATE_LIMIT_CHAT_PER_SEC)),
      shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
      maxConnections: socketCap(config.WS_MAX_CONNECTIONS, openFileLimit()),
      remoteTurnTimeoutMs: config.WS_REMOTE_TURN_TIMEOUT_MS ?? config.LLM_STREAM_IDLE_TIMEOUT_MS + 5_000,
    },
    limits: { limiter, chat: rateRule(config.RATE_LIMIT_CHAT_PER_SEC), onReject: () => metrics.rateLimitRejections.inc({ class: 'chat' }) },
  });
  metrics.setCollector('wsConnections', () => sockets.stats().connections);
  const app = createApp({
    auth,
    sockets,
    chat,
    cache,
    health,
    lifecycle,
    logger,
    maxBodyBytes: config.MAX_BODY_BYTES,
    instanceId: config.INSTANCE_ID,
    thresholdBounds: { min: config.CACHE_THRESHOLD_MIN, max: config.CACHE_THRESHOLD_MAX },
    idempotency,
    limits: {
      limiter,
      chat: rateRule(config.RATE_LIMIT_CHAT_PER_SEC),
      api: rateRule(config.RATE_LIMIT_API_PER_SEC),
      onReject: (cls) => metrics.rateLimitRejections.inc({ class: cls }),
    },
    performance: {
      registry,
      metrics,
      usageStore,
      prices: config.PRICES,
      optimize: () => tuner.run(),
      snapshot: () => ({
        cache: cache?.stats(),
        usage: usage.stats(),
        upstream: provider.health(),
        bus: bus.stats(),
        rateLimiter: limiter.health(),
        idempotency: idempotency.stats(),
        sockets: sockets.stats(),
        database: database.poolStats(),
      }),
    },
  });
  app.listen({
    port: config.PORT,
    hostname: config.HOST,
    // Hard cap for Bun itself; routes enforce MAX_BODY_BYTES while reading.
    maxRequestBodySize: config.MAX_BODY_BYTES * 2,
    idleTimeout: 255,
    // WebSocket limits reach Bun only through listen (per-route options are ignored by Elysia).
    websocket: sockets.serverOptions,
  });
  const server = app.server!;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${server.port}`;
  logger.info('gateway.started', { url, database: database.driver, llm: provider.name, models: config.LLM_MODELS });

  let stopping: Promise<void> | undefined;
  async function stop(reason = 'stop'): Promise<void> {
    stopping ??= (async () => {
      logger.info('gateway.draining', { reason, inFlight: lifecycle.inFlight, graceMs: config.SHUTDOWN_GRACE_MS });
      lifecycle.startDraining();
      const deadline = Date.now() + config.SHUTDOWN_GRACE_MS;
      // Stop accepting connections. Bun's graceful stop resolves once open requests have been answered;
      // requests arriving on kept-alive connections meanwhile get 503 (draining).
      // Sockets get a shutdown frame now; the rest close with 1001 after the grace (Bun's graceful stop would
      // otherwise wait for every open socket).
      const socketsClosed = sockets.shutdown({ retryAfterMs: 1_000, jitterMs: 2_000, graceMs: Math.max(0, config.SHUTDOWN_GRACE_MS - 1_000) });
      const closed = server.stop(false);
      const drained = await lifecycle.idle(config.SHUTDOWN_GRACE_MS);
      await socketsClosed;
      // A turn ends just before its last bytes are written: let the server finish writing them.
      const written = await Promise.race([closed.then(() => true), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => false)]);
      if (!drained || !written) logger.warn('gateway.grace_expired', { inFlight: lifecycle.inFlight });
      await server.stop(true);
      tuner.stop();
      await provider.close();
      await cache?.close();
      await usage.close();
      await bus.close();
      await closeLimiter();
      redis?.disconnect();
      await database.close();
      logger.info('gateway.stopped', { reason });
    })();
    return stopping;
  }
  return { url, port: server.port!, config, stop };
}

if (import.meta.main) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const gateway = await startGateway(config);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void gateway.stop(signal).then(() => process.exit(0));
    });
  }
}
