/**
 * One contract suite for every RateLimiter adapter (memory, Redis). Time moves by an injected clock for memory and
 * by short real sleeps for Redis (whose clock is the server's). Tests that must see a bucket stay empty use a slow
 * rule (a token a second, far longer than a few round trips even on a loaded machine); the refill test uses a fast
 * one and waits for the durations the limiter itself returned.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import Redis from 'ioredis';
import { silentLogger } from '../log';
import { redisAvailable, TEST_REDIS_URL } from '../testing/services';
import { MemoryRateLimiter } from './memory-rate-limiter';
import { boundedKey, MAX_KEY_CHARS, type RateLimiter, type RateRule } from './rate-limiter';
import { RedisRateLimiter } from './redis-rate-limiter';
import { redisTestClient, testPrefix } from './ratelimit-test-helpers';

const hasRedis = await redisAvailable();
const clients: Redis[] = [];
afterAll(() => clients.forEach((client) => client.disconnect()));

interface Harness {
  limiter: RateLimiter;
  /** Lets at least `ms` pass on the limiter's clock. */
  advance(ms: number): Promise<void>;
  /** The mode every decision in the suite must have come from. */
  mode: 'local' | 'shared';
  /** Time moves only when told (injected clock), so refill counts can be asserted exactly. */
  exactClock: boolean;
}

function memoryHarness(): Harness {
  let now = 1_000_000;
  return {
    limiter: new MemoryRateLimiter({ now: () => now }),
    advance: async (ms) => void (now += ms),
    mode: 'local',
    exactClock: true,
  };
}

async function redisHarness(): Promise<Harness> {
  const redis = await redisTestClient(TEST_REDIS_URL);
  clients.push(redis);
  // A generous timeout: this suite checks what Redis decides, never the fallback (checked in redis-rate-limiter tests).
  const limiter = new RedisRateLimiter({ redis, prefix: testPrefix('contract'), logger: silentLogger, timeoutMs: 2000 });
  return { limiter, advance: (ms) => Bun.sleep(ms + 2), mode: 'shared', exactClock: false };
}

const adapters = [
  { name: 'memory', available: true, harness: async () => memoryHarness() },
  { name: 'redis', available: hasRedis, harness: redisHarness },
];

let keySeq = 0;
const freshKey = () => `tenant-a:key-${++keySeq}-${Math.random().toString(36).slice(2, 8)}:chat`;
/** A token a second: nothing refills while a test runs unless it waits. */
const rule: RateRule = { ratePerSec: 1, burst: 5 };
/** A token per 100 ms, for the refill test. */
const fast: RateRule = { ratePerSec: 10, burst: 5 };

async function drain(limiter: RateLimiter, key: string, calls: number, r = rule) {
  const decisions = [];
  for (let i = 0; i < calls; i++) decisions.push(await limiter.consume(key, r));
  return decisions;
}

describe.each(adapters)('RateLimiter contract: $name', ({ available, harness }) => {
  const t = available ? test : test.skip;

  t('admits a burst, then rejects further calls with a positive retryAfterMs', async () => {
    const { limiter, mode } = await harness();
    const decisions = await drain(limiter, freshKey(), 6);
    expect(decisions.slice(0, 5).map((d) => [d.allowed, d.remaining, d.retryAfterMs])).toEqual([
      [true, 4, 0],
      [true, 3, 0],
      [true, 2, 0],
      [true, 1, 0],
      [true, 0, 0],
    ]);
    const rejected = decisions[5]!;
    expect(rejected).toMatchObject({ allowed: false, limit: 5, remaining: 0 });
    expect(rejected.retryAfterMs).toBeGreaterThan(0);
    expect(rejected.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(rejected.resetMs).toBeGreaterThan(4000);
    expect(rejected.resetMs).toBeLessThanOrEqual(5000);
    expect(limiter.health().mode).toBe(mode);
  });

  t('refills tokens over time, one per interval, up to the burst and no further', async () => {
    const { limiter, advance, mode, exactClock } = await harness();
    const key = freshKey();
    let rejected = await limiter.consume(key, fast);
    for (let i = 0; i < 50 && rejected.allowed; i++) rejected = await limiter.consume(key, fast);
    expect(rejected.allowed).toBe(false);
    expect(rejected.retryAfterMs).toBeLessThanOrEqual(100);

    await advance(rejected.retryAfterMs);
    const refilled = await limiter.consume(key, fast);
    expect(refilled.allowed).toBe(true);
    if (exactClock) {
      expect(refilled.remaining).toBe(0);
      expect((await limiter.consume(key, fast)).allowed).toBe(false);
    }

    await advance(refilled.resetMs + 100);
    const full = await limiter.consume(key, fast, 0);
    expect(full).toMatchObject({ allowed: true, limit: 5, remaining: 5, resetMs: 0, retryAfterMs: 0 });
    expect(limiter.health().mode).toBe(mode);
  });

  t('keeps separate keys independent', async () => {
    const { limiter } = await harness();
    const drained = freshKey();
    await drain(limiter, drained, 5);
    expect((await limiter.consume(drained, rule)).allowed).toBe(false);
    expect(await limiter.consume(freshKey(), rule)).toMatchObject({ allowed: true, remaining: 4 });
  });

  t('charges a cost above 1, and a cost larger than what is left takes nothing', async () => {
    const { limiter } = await harness();
    const key = freshKey();
    expect(await limiter.consume(key, rule, 3)).toMatchObject({ allowed: true, remaining: 2 });
    const tooMuch = await limiter.consume(key, rule, 3);
    expect(tooMuch).toMatchObject({ allowed: false, remaining: 2 });
    expect(tooMuch.retryAfterMs).toBeGreaterThan(0);
    expect(tooMuch.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(await limiter.consume(key, rule, 2)).toMatchObject({ allowed: true, remaining: 0 });
  });

  t('peeks with a cost of 0 without taking a token', async () => {
    const { limiter } = await harness();
    const key = freshKey();
    await limiter.consume(key, rule, 2);
    expect(await limiter.consume(key, rule, 0)).toMatchObject({ allowed: true, remaining: 3 });
    expect(await limiter.consume(key, rule, 0)).toMatchObject({ allowed: true, remaining: 3 });
  });

  t('accepts a very long key as one bounded bucket of its own', async () => {
    const { limiter } = await harness();
    const long = `tenant-a:${'k'.repeat(100_000)}`;
    const tight: RateRule = { ratePerSec: 1, burst: 2 };
    expect(boundedKey(long).length).toBeLessThanOrEqual(MAX_KEY_CHARS);
    const decisions = await drain(limiter, long, 3, tight);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    // Hashing covers the whole key: one differing last character is another bucket.
    expect((await limiter.consume(`${long.slice(0, -1)}x`, tight)).allowed).toBe(true);
  });

  t('never reports negative remaining, and retryAfterMs is 0 exactly when allowed', async () => {
    const { limiter } = await harness();
    const key = freshKey();
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.consume(key, rule, i % 3)));
    for (const d of decisions) {
      expect(d.remaining).toBeGreaterThanOrEqual(0);
      expect(d.remaining).toBeLessThanOrEqual(d.limit);
      expect(d.retryAfterMs === 0).toBe(d.allowed);
    }
  });

  t('rejects a rule outside its domain with a RangeError, a caller bug', async () => {
    const { limiter } = await harness();
    await expect(limiter.consume(freshKey(), { ratePerSec: 0, burst: 1 })).rejects.toThrow(RangeError);
    await expect(limiter.consume(freshKey(), { ratePerSec: 1, burst: 0.5 })).rejects.toThrow(RangeError);
    await expect(limiter.consume(freshKey(), rule, -1)).rejects.toThrow(RangeError);
  });
});
