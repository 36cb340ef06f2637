/**
 * What only the Redis adapter does: one budget across instances, bounded expiring keys, and deciding locally
 * (at limit / known instances) while Redis is unreachable or hanging, then sharing again once it answers.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import type Redis from 'ioredis';
import { silentLogger } from '../log';
import { redisAvailable, TEST_REDIS_URL } from '../testing/services';
import { InstanceCensus } from './instance-census';
import type { RateRule } from './rate-limiter';
import { freePort, redisRelay, redisTestClient, testPrefix, waitFor, type RedisRelay } from './ratelimit-test-helpers';
import { rateLimitKey, RedisRateLimiter } from './redis-rate-limiter';

const hasRedis = await redisAvailable();
const t = hasRedis ? test : test.skip;
const target = new URL(TEST_REDIS_URL);
const targetAddress = { host: target.hostname, port: Number(target.port || 6379) };

const clients: Redis[] = [];
const relays: RedisRelay[] = [];
afterAll(() => {
  clients.forEach((client) => client.disconnect());
  relays.forEach((relay) => relay.stop());
});
async function client(url = TEST_REDIS_URL, waitReady = true) {
  const redis = await redisTestClient(url, { waitReady });
  clients.push(redis);
  return redis;
}

describe('RedisRateLimiter', () => {
  t('holds one budget across two instances firing concurrently', async () => {
    const prefix = testPrefix('shared');
    const [a, b] = await Promise.all([client(), client()]);
    const limiters = [a!, b!].map((redis) => new RedisRateLimiter({ redis, prefix, logger: silentLogger, timeoutMs: 2000 }));
    const rule: RateRule = { ratePerSec: 50, burst: 50 };
    const started = performance.now();
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => limiters[i % 2]!.consume('tenant:key-1:chat', rule)));
    const elapsedSec = (performance.now() - started) / 1000;

    const admitted = decisions.filter((d) => d.allowed).length;
    // The burst, plus whatever refilled while the calls were in flight (accuracy, not speed: elapsed is measured).
    expect(admitted).toBeGreaterThanOrEqual(50);
    expect(admitted).toBeLessThanOrEqual(50 + Math.ceil(50 * elapsedSec) + 1);
    // Two separate budgets would admit 100; which instance's calls reach Redis first is not part of the contract.
    expect(limiters.map((l) => l.health().mode)).toEqual(['shared', 'shared']);
  });

  t('stores a very long key under a bounded Redis key that expires when the bucket is full again', async () => {
    const redis = await client();
    const prefix = testPrefix('bounded');
    const limiter = new RedisRateLimiter({ redis, prefix, logger: silentLogger, timeoutMs: 2000 });
    const key = `tenant:${'x'.repeat(1_000_000)}`;
    const decision = await limiter.consume(key, { ratePerSec: 10, burst: 10 }, 4);
    expect(decision).toMatchObject({ allowed: true, remaining: 6 });

    const stored = await redis.keys(`${prefix}:rl:*`);
    expect(stored).toEqual([rateLimitKey(prefix, key)]);
    expect(stored[0]!.length).toBeLessThanOrEqual(prefix.length + 4 + 7 + 64);
    const ttl = await redis.pttl(stored[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(decision.resetMs);
  });

  t('keeps deciding locally at limit / known instances while Redis is unreachable, and shares again once it is back', async () => {
    const port = freePort();
    const redis = await client(`redis://127.0.0.1:${port}`, false);
    const limiter = new RedisRateLimiter({ redis, prefix: testPrefix('outage'), logger: silentLogger, knownInstances: () => 2 });
    const rule: RateRule = { ratePerSec: 10, burst: 10 };

    const decisions = await Promise.all(Array.from({ length: 10 }, () => limiter.consume('tenant:key-1:chat', rule)));
    // Answered without Redis ever having been reachable: nothing waited for a connection.
    expect(redis.status).not.toBe('ready');
    expect(decisions.filter((d) => d.allowed).length).toBe(5);
    expect(decisions[0]).toMatchObject({ limit: 5, remaining: 4 });
    const health = limiter.health();
    expect(health.mode).toBe('degraded-local');
    expect(health.detail).toContain('1/2');

    relays.push(redisRelay(port, targetAddress));
    await waitFor(() => redis.status === 'ready', { what: 'the client to reconnect' });
    // The first call after the reconnect goes to Redis, whose bucket for this key is still full.
    expect(await limiter.consume('tenant:key-1:chat', rule)).toMatchObject({ allowed: true, limit: 10, remaining: 9 });
    expect(limiter.health().mode).toBe('shared');
  });

  t('decides locally when Redis hangs, then lets one probe through per interval until Redis answers', async () => {
    const port = freePort();
    const relay = redisRelay(port, targetAddress);
    relays.push(relay);
    const redis = await client(`redis://127.0.0.1:${port}`);
    const limiter = new RedisRateLimiter({
      redis,
      prefix: testPrefix('hang'),
      logger: silentLogger,
      timeoutMs: 200,
      retryIntervalMs: 300,
      knownInstances: () => 4,
    });
    const rule: RateRule = { ratePerSec: 8, burst: 8 };
    expect((await limiter.consume('k', rule)).limit).toBe(8);

    relay.stall();
    const first = await limiter.consume('k', rule);
    expect(first).toMatchObject({ allowed: true, limit: 2 });
    expect(limiter.health()).toMatchObject({ mode: 'degraded-local' });
    expect(limiter.health().detail).toContain('timed out');
    // Within the retry interval every call stays local: the second of two local tokens, then a rejection.
    expect(await limiter.consume('k', rule)).toMatchObject({ allowed: true, limit: 2, remaining: 0 });
    expect(await limiter.consume('k', rule)).toMatchObject({ allowed: false, limit: 2 });

    relay.resume();
    await Bun.sleep(320);
    expect((await limiter.consume('k', rule)).limit).toBe(8);
    expect(limiter.health().mode).toBe('shared');
  });

  t('decides locally when the script fails in Redis, instead of failing the request', async () => {
    const redis = await client();
    const prefix = testPrefix('wrongtype');
    const limiter = new RedisRateLimiter({ redis, prefix, logger: silentLogger, timeoutMs: 2000 });
    await redis.hset(rateLimitKey(prefix, 'k'), 'not', 'a bucket');
    expect(await limiter.consume('k', { ratePerSec: 1, burst: 3 })).toMatchObject({ allowed: true, remaining: 2 });
    expect(limiter.health()).toMatchObject({ mode: 'degraded-local' });
    expect(limiter.health().detail).toContain('failed');
    await redis.del(rateLimitKey(prefix, 'k'));
  });
});

describe('InstanceCensus', () => {
  t('counts the instances heartbeating under one prefix, and remembers the count while Redis is away', async () => {
    const prefix = testPrefix('census');
    const port = freePort();
    const relay = redisRelay(port, targetAddress);
    relays.push(relay);
    const [direct, relayed] = await Promise.all([client(), client(`redis://127.0.0.1:${port}`)]);
    const one = new InstanceCensus({ redis: direct!, prefix, instanceId: 'gw-1', logger: silentLogger });
    const two = new InstanceCensus({ redis: relayed!, prefix, instanceId: 'gw-2', logger: silentLogger, timeoutMs: 200 });
    expect(two.count()).toBe(1);
    await one.beat();
    expect(await two.beat()).toBe(2);

    relay.stall();
    expect(await two.beat()).toBe(2);
    await one.stop();
    relay.resume();
    expect(await two.beat()).toBe(1);
    await two.stop();
  });
});
