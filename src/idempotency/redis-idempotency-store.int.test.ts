/**
 * What only the Redis adapter has: its key layout and expiries as other tools see them, corrupt values left by
 * someone else, and Redis trouble (unreachable, stalled), which must read as "no store", never as an error or a wait.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { silentLogger } from '../log';
import { freePort, redisTestClient, testPrefix } from '../ratelimit/ratelimit-test-helpers';
import { redisAvailable, TEST_REDIS_URL } from '../testing/services';
import type { StoredResponse } from './idempotency-store';
import { createRedisIdempotencyStore } from './redis-idempotency-store';

const hasRedis = await redisAvailable();
const it = hasRedis ? test : test.skip;
const prefix = testPrefix('idem-redis');
const FP = 'c'.repeat(64);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const response: StoredResponse = { status: 200, headers: { 'content-type': 'application/json' }, body: '{}', createdAt: 1 };

describe('Redis idempotency store', () => {
  let redis: Redis;
  let admin: Redis;

  beforeAll(async () => {
    if (!hasRedis) return;
    redis = await redisTestClient(TEST_REDIS_URL);
    admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    if (!hasRedis) return;
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    redis.disconnect();
    admin.disconnect();
  });

  it('keeps a record under the tenant and the key’s hash, with the lease’s expiry and then the response’s', async () => {
    const store = createRedisIdempotencyStore({ redis, prefix, logger: silentLogger, leaseMs: 30_000, timeoutMs: 2000 });
    const key = `order-${Math.random()}`;
    const begun = await store.begin('tenant-a', key, FP);
    const redisKey = `${prefix}:idem:tenant-a:${sha256(key)}`;
    expect(begun.status).toBe('NEW');
    const leasePttl = await admin.pttl(redisKey);
    expect(leasePttl).toBeGreaterThan(25_000);
    expect(leasePttl).toBeLessThanOrEqual(30_000);

    if (begun.status === 'NEW') await store.complete(begun.lease, response, 600_000);
    expect(await admin.pttl(redisKey)).toBeGreaterThan(30_000);
    expect(await admin.keys(`${prefix}:*${key}*`)).toEqual([]);
  });

  it('hashes a tenant that could not be a key segment', async () => {
    const store = createRedisIdempotencyStore({ redis, prefix, logger: silentLogger, timeoutMs: 2000 });
    const tenant = 'odd tenant:with separators';
    expect((await store.begin(tenant, 'k', FP)).status).toBe('NEW');
    expect(await admin.exists(`${prefix}:idem:h~${sha256(tenant)}:${sha256('k')}`)).toBe(1);
  });

  it('treats a value it did not write as no record, and a corrupt completed record as no store', async () => {
    const store = createRedisIdempotencyStore({ redis, prefix, logger: silentLogger, timeoutMs: 2000 });
    await admin.set(`${prefix}:idem:tenant-a:${sha256('foreign')}`, 'something else', 'PX', 60_000);
    expect(await store.begin('tenant-a', 'foreign', FP)).toMatchObject({ status: 'NEW' });

    await admin.set(`${prefix}:idem:tenant-a:${sha256('corrupt')}`, `D|${FP}|{not json`, 'PX', 60_000);
    expect(await store.begin('tenant-a', 'corrupt', FP)).toMatchObject({ status: 'NEW', degraded: true });
  });

  it('answers NEW at once instead of waiting when Redis stalls', async () => {
    const store = createRedisIdempotencyStore({ redis, prefix, logger: silentLogger, timeoutMs: 20 });
    // Every client is paused server-side; a PING sent now is answered only when the pause ends.
    await admin.call('CLIENT', 'PAUSE', '300', 'ALL');
    let pingAnswered = false;
    const ping = admin.ping().then(() => (pingAnswered = true));
    const begun = await store.begin('tenant-a', `stalled-${Math.random()}`, FP);
    expect(begun).toMatchObject({ status: 'NEW', degraded: true });
    if (begun.status === 'NEW') {
      await store.complete(begun.lease, response, 60_000);
      await store.abandon(begun.lease);
    }
    // Order, not a stopwatch: the store gave up while Redis was still not answering anyone.
    expect(pingAnswered).toBe(false);
    await ping;
  });
});

describe('Redis idempotency store with Redis unreachable', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await redisTestClient(`redis://127.0.0.1:${freePort()}`, { waitReady: false });
  });
  afterAll(() => redis.disconnect());

  test('begins every request as NEW without a stored lease, completes and abandons without throwing, and reports unhealthy', async () => {
    // A timeout far beyond the test's own: resolving at all proves nothing waited for Redis or for the timer.
    const store = createRedisIdempotencyStore({ redis, prefix, logger: silentLogger, timeoutMs: 10 * 60_000 });
    const first = await store.begin('tenant-a', 'k', FP);
    expect(first).toMatchObject({ status: 'NEW', degraded: true });
    if (first.status === 'NEW') {
      expect(await store.complete(first.lease, response, 60_000)).toBeUndefined();
      expect(await store.abandon(first.lease)).toBeUndefined();
    }
    expect(await store.begin('tenant-a', 'k', FP)).toMatchObject({ status: 'NEW', degraded: true });
    expect(store.healthy()).toBe(false);
  });
});
