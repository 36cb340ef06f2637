/**
 * The Redis L2 against a real Redis (every key under a prefix unique to this run), and against a Redis that is
 * unreachable or stalled: L2 is an accelerator, so trouble must read as a miss, never as an error or a wait.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { silentLogger } from '../log';
import { redisAvailable, TEST_REDIS_URL } from '../testing/services';
import type { CacheEntry } from './cache-entry';
import { createRedisExactCache } from './redis-exact-cache';

const hasRedis = await redisAvailable();
const it = hasRedis ? test : test.skip;
const prefix = `gw-test-l2-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

const T0 = Date.UTC(2030, 0, 1);
function makeEntry(overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    id: randomUUID(),
    tenant: 'tenant-a',
    namespace: 'default',
    partition: 'p1',
    exactKey: `k-${randomUUID()}`,
    model: 'deepseek-chat',
    embedderModelId: 'fake/test',
    embedding: new Float32Array([0.6, 0.8]),
    promptText: 'What is the capital of France?',
    answer: { content: 'Paris.', finishReason: 'stop', promptTokens: 7, completionTokens: 2 },
    createdAt: new Date(T0),
    expiresAt: new Date(T0 + 30_000),
    ...overrides,
  };
}

describe('Redis exact cache (L2)', () => {
  let redis: Redis;
  let admin: Redis;
  let clock = T0;
  const now = () => clock;
  const cache = () => createRedisExactCache({ redis, prefix, logger: silentLogger, now, timeoutMs: 200 });
  const redisKey = (entry: CacheEntry) => `${prefix}:exact:${entry.exactKey}`;

  beforeAll(async () => {
    if (!hasRedis) return;
    redis = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    await redis.connect();
  });
  afterAll(async () => {
    if (!hasRedis) return;
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    redis.disconnect();
    admin.disconnect();
  });

  it('round-trips an entry without its vector', async () => {
    clock = T0;
    const l2 = cache();
    const entry = makeEntry();
    await l2.set(entry);
    const { embedding: _embedding, ...withoutVector } = entry;
    expect(await l2.get(entry.exactKey)).toEqual(withoutVector);
    expect(await l2.get('k-never-stored')).toBeUndefined();
    expect(l2.healthy()).toBe(true);
  });

  it('gives the key a TTL equal to the entry’s remaining life, and a later set never extends it', async () => {
    clock = T0;
    const l2 = cache();
    const entry = makeEntry({ expiresAt: new Date(T0 + 30_000) });
    await l2.set(entry);
    const first = await admin.pttl(redisKey(entry));
    expect(first).toBeGreaterThan(25_000);
    expect(first).toBeLessThanOrEqual(30_000);

    clock = T0 + 20_000;
    await l2.set(entry);
    const second = await admin.pttl(redisKey(entry));
    expect(second).toBeGreaterThan(5_000);
    expect(second).toBeLessThanOrEqual(10_000);
  });

  it('neither writes nor serves an entry past its expiry', async () => {
    clock = T0;
    const l2 = cache();
    const entry = makeEntry({ expiresAt: new Date(T0 + 30_000) });
    await l2.set(entry);
    clock = T0 + 30_000;
    expect(await l2.get(entry.exactKey)).toBeUndefined();

    const dead = makeEntry({ expiresAt: new Date(T0 + 10_000) });
    await l2.set(dead);
    expect(await admin.exists(redisKey(dead))).toBe(0);
  });

  it('deletes entries by exact key', async () => {
    clock = T0;
    const l2 = cache();
    const a = makeEntry();
    const b = makeEntry();
    const c = makeEntry();
    for (const e of [a, b, c]) await l2.set(e);
    await l2.delete([a.exactKey, b.exactKey]);
    await l2.delete([]);
    expect(await l2.get(a.exactKey)).toBeUndefined();
    expect(await l2.get(b.exactKey)).toBeUndefined();
    expect((await l2.get(c.exactKey))?.id).toBe(c.id);
  });

  it('reads a corrupt value under a key as a miss', async () => {
    clock = T0;
    const l2 = cache();
    const garbage = makeEntry();
    const partial = makeEntry();
    await admin.set(redisKey(garbage), '{not json', 'PX', 60_000);
    await admin.set(redisKey(partial), JSON.stringify({ id: 'x', exactKey: partial.exactKey, tenant: 't', promptText: 'q', answer: { finishReason: 'stop' }, createdAt: T0, expiresAt: T0 + 60_000 }), 'PX', 60_000);
    expect(await l2.get(garbage.exactKey)).toBeUndefined();
    expect(await l2.get(partial.exactKey)).toBeUndefined();
  });

  it('answers a miss instead of waiting when Redis stalls', async () => {
    clock = T0;
    const l2 = createRedisExactCache({ redis, prefix, logger: silentLogger, now, timeoutMs: 20 });
    const entry = makeEntry();
    await l2.set(entry);
    expect((await l2.get(entry.exactKey))?.id).toBe(entry.id);

    // Every client is paused server-side; a PING sent now is answered only when the pause ends.
    await admin.call('CLIENT', 'PAUSE', '300', 'ALL');
    let pingAnswered = false;
    const ping = admin.ping().then(() => (pingAnswered = true));
    expect(await l2.get(entry.exactKey)).toBeUndefined();
    await l2.set(makeEntry());
    // Order, not a stopwatch: the cache gave up while Redis was still not answering anyone.
    expect(pingAnswered).toBe(false);
    await ping;
  });
});

describe('Redis exact cache (L2) with Redis unreachable', () => {
  let redis: Redis;
  const errors: unknown[] = [];

  beforeAll(() => {
    // Nothing listens on 6390; the client keeps retrying, as a production client would during an outage.
    redis = new Redis({ host: '127.0.0.1', port: 6390, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    redis.on('error', (error) => errors.push(error));
  });
  afterAll(() => redis.disconnect());

  test('get and set resolve to a miss without throwing, and health says it is down', async () => {
    // A timeout far beyond the test's own: resolving at all proves nothing waited for Redis or for the timer.
    const l2 = createRedisExactCache({ redis, prefix, logger: silentLogger, timeoutMs: 10 * 60_000 });
    const entry = makeEntry({ createdAt: new Date(), expiresAt: new Date(Date.now() + 60_000) });
    expect(await l2.set(entry)).toBeUndefined();
    expect(await l2.get(entry.exactKey)).toBeUndefined();
    expect(await l2.delete([entry.exactKey])).toBeUndefined();
    expect(l2.healthy()).toBe(false);
  });
});
