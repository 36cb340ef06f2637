/**
 * Builds the semantic cache's adapters from config: the embedder (off the event loop), the verifier, the vector
 * index factory, L2 over Redis when configured. Separate from main.ts to keep the composition root readable;
 * like main.ts, it is the only place these concrete adapters are constructed.
 */
import type Redis from 'ioredis';
import { AdaptiveIndex } from '../../embeddings/adaptive-index';
import { createEmbedder, type EmbedderName } from '../../embeddings/create-embedder';
import type { Embedder } from '../../embeddings/embedder';
import type { Db } from '../../db/client';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Bus } from '../sync/bus';
import { createDrizzleEntryStore } from './drizzle-entry-store';
import { createRedisExactCache } from './redis-exact-cache';
import { SemanticCache } from './semantic-cache';
import { createMatchVerifier } from './verify';
import { defaultThreshold } from './thresholds';

export interface BuildCacheOptions {
  config: Config;
  db: Db;
  redis?: Redis;
  bus: Bus;
  logger: Logger;
}

async function buildEmbedder(config: Config, logger: Logger): Promise<Embedder | undefined> {
  const setting = config.EMBEDDINGS_MODEL;
  if (setting === 'none') {
    logger.warn('cache.exact_only', { message: 'EMBEDDINGS_MODEL=none: the cache matches identical requests only.' });
    return undefined;
  }
  const explicitModel = setting.includes('/');
  return createEmbedder({
    name: explicitModel ? 'transformers' : (setting as EmbedderName),
    modelId: explicitModel ? setting : undefined,
    modelDir: config.EMBEDDINGS_MODEL_DIR,
    timeoutMs: config.EMBEDDINGS_TIMEOUT_MS,
    workers: config.EMBEDDINGS_WORKERS,
    logger,
  });
}

export async function buildSemanticCache(options: BuildCacheOptions): Promise<SemanticCache> {
  const { config, logger } = options;
  const embedder = await buildEmbedder(config, logger);
  const threshold = config.CACHE_SIMILARITY_THRESHOLD ?? defaultThreshold(embedder?.modelId);
  logger.info('cache.configured', {
    embedder: embedder?.modelId ?? 'none',
    dimensions: embedder?.dimensions,
    threshold,
    verifier: config.CACHE_VERIFY,
    partitionByContext: config.CACHE_PARTITION_CONTEXT,
    l2: options.redis ? 'redis' : 'none',
  });
  return new SemanticCache({
    entries: createDrizzleEntryStore({ db: options.db, onCorrupt: (entryId, problem) => logger.warn('cache.corrupt_row', { entryId, problem }) }),
    l2: options.redis ? createRedisExactCache({ redis: options.redis, prefix: config.REDIS_PREFIX, logger }) : undefined,
    embedder,
    verifier: config.CACHE_VERIFY ? createMatchVerifier() : undefined,
    partitionByContext: config.CACHE_PARTITION_CONTEXT,
    bus: options.bus,
    logger,
    createIndex: (dimensions) => new AdaptiveIndex({ dimensions }),
    ttlSeconds: config.CACHE_TTL_SECONDS,
    threshold,
    l1MaxEntries: config.CACHE_L1_MAX_ENTRIES,
    // The embedder's own per-call deadline plus room for micro-batching: this one only catches an adapter that hangs.
    embedTimeoutMs: config.EMBEDDINGS_TIMEOUT_MS + 1_000,
  });
}
