/**
 * L2 over Redis: `${prefix}:exact:${exactKey}` → JSON entry with a PX expiry at the entry's absolute expiry.
 * The client must be created with `enableOfflineQueue: false` so that commands fail at once while Redis is
 * down; each command also races a short timeout, so a slow Redis costs a request at most `timeoutMs`.
 */
import type Redis from 'ioredis';
import type { Logger } from '../log';
import type { CacheEntry } from './cache-entry';
import { decodeEntry, encodeEntry, type ExactCache } from './exact-cache';

export interface RedisExactCacheOptions {
  redis: Redis;
  prefix: string;
  logger: Logger;
  timeoutMs?: number;
  now?: () => number;
}

export function createRedisExactCache(options: RedisExactCacheOptions): ExactCache {
  const { redis, prefix, logger } = options;
  const timeoutMs = options.timeoutMs ?? 50;
  const now = options.now ?? Date.now;
  const key = (exactKey: string) => `${prefix}:exact:${exactKey}`;
  let lastWarning = 0;

  async function attempt<T>(operation: string, run: () => Promise<T>): Promise<T | undefined> {
    if (redis.status !== 'ready') return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        run(),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), timeoutMs);
        }),
      ]);
    } catch (error) {
      // One warning a minute at most: a Redis outage must not flood the log from every request.
      if (Date.now() - lastWarning > 60_000) {
        lastWarning = Date.now();
        logger.warn('cache.l2_unavailable', { operation, error });
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async get(exactKey) {
      const raw = await attempt('get', () => redis.get(key(exactKey)));
      if (raw === undefined || raw === null) return undefined;
      const entry = decodeEntry(raw);
      if (!entry) logger.warn('cache.l2_corrupt', { exactKey: exactKey.slice(0, 16) });
      return entry && entry.expiresAt.getTime() > now() ? entry : undefined;
    },
    async set(entry: CacheEntry) {
      const ttl = entry.expiresAt.getTime() - now();
      if (ttl <= 0) return;
      await attempt('set', () => redis.set(key(entry.exactKey), encodeEntry(entry), 'PX', ttl));
    },
    async delete(exactKeys) {
      if (exactKeys.length === 0) return;
      await attempt('del', () => redis.del(...exactKeys.map(key)));
    },
    healthy: () => redis.status === 'ready',
  };
}
