/**
 * The gateway's rate limiter from config: shared through Redis (its own client, one atomic script per decision,
 * a heartbeat census of live instances for the fallback) when REDIS_URL is set, per instance otherwise.
 */
import Redis from 'ioredis';
import type { Config } from '../config';
import type { Logger } from '../log';
import { InstanceCensus } from './instance-census';
import { MemoryRateLimiter } from './memory-rate-limiter';
import type { RateLimiter } from './rate-limiter';
import { RedisRateLimiter, rateLimiterRedisOptions } from './redis-rate-limiter';

export function buildRateLimiter(config: Config, logger: Logger): { limiter: RateLimiter; close(): Promise<void> } {
  if (!config.REDIS_URL) return { limiter: new MemoryRateLimiter(), close: async () => {} };
  const redis = new Redis(config.REDIS_URL, { ...rateLimiterRedisOptions, connectionName: `ratelimit:${config.INSTANCE_ID}` });
  redis.on('error', () => {}); // the limiter degrades to local limits and reports it in health
  const census = new InstanceCensus({ redis, prefix: config.REDIS_PREFIX, instanceId: config.INSTANCE_ID, logger });
  census.start();
  const limiter = new RedisRateLimiter({ redis, prefix: config.REDIS_PREFIX, logger, knownInstances: () => census.count() });
  return {
    limiter,
    async close() {
      await census.stop();
      redis.disconnect();
    },
  };
}
