/**
 * A Lua script run with EVALSHA, falling back to EVAL when Redis answers NOSCRIPT (after a restart, a failover or
 * SCRIPT FLUSH emptied its script cache): one round trip in the steady state, two once per cache loss.
 *
 * Why not ioredis's `defineCommand`: it does the same (its Script class sends EVALSHA and resends on NOSCRIPT;
 * ioredis 6.0.0 built/Script.js), but it adds a method to the client object, which here is shared with other
 * components, and the added method is untyped. EVAL after NOSCRIPT also loads the script into the cache, so the
 * next EVALSHA succeeds (https://redis.io/docs/latest/commands/evalsha/).
 */
import type Redis from 'ioredis';

export interface RedisScript {
  readonly sha: string;
  run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown>;
}

export function redisScript(lua: string): RedisScript {
  const sha = new Bun.CryptoHasher('sha1').update(lua).digest('hex');
  return {
    sha,
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return await redis.eval(lua, keys.length, ...keys, ...args);
      }
    },
  };
}

/** Redis gave no answer within the deadline (the command may still run later). */
export class RedisTimeout extends Error {
  override name = 'RedisTimeout';
}

/**
 * `work`, or a RedisTimeout after `ms`. The late outcome of `work` is still observed by the race, so a rejection
 * after the deadline is not an unhandled one.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedisTimeout(`no answer from Redis within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
