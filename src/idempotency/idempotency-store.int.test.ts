/**
 * One contract suite for every IdempotencyStore adapter (memory, Redis). Time moves by an injected clock for
 * memory and by short real expiries for Redis (whose clock is the server's), where a test polls until the record
 * is gone instead of asserting when.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import type Redis from 'ioredis';
import { silentLogger } from '../log';
import { redisTestClient, testPrefix } from '../ratelimit/ratelimit-test-helpers';
import { redisAvailable, TEST_REDIS_URL } from '../testing/services';
import type { BeginResult, IdempotencyLease, IdempotencyStore, StoredResponse } from './idempotency-store';
import { createMemoryIdempotencyStore } from './memory-idempotency-store';
import { createRedisIdempotencyStore } from './redis-idempotency-store';

const hasRedis = await redisAvailable();
const clients: Redis[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const client of clients) {
    for (const prefix of prefixes) {
      const keys = await client.keys(`${prefix}:*`);
      if (keys.length > 0) await client.del(...keys);
    }
    client.disconnect();
  }
});

interface StoreOptions {
  leaseMs?: number;
  maxBodyBytes?: number;
}

interface Harness {
  store(options?: StoreOptions): IdempotencyStore;
  /** Short durations the adapter can honour: exact on an injected clock, a few round trips on a real one. */
  shortMs: number;
  /** Lets time pass until `begin` no longer sees the record (memory: jump the clock; Redis: poll). */
  expire(store: IdempotencyStore, scope: string, key: string, fingerprint: string): Promise<BeginResult>;
}

function memoryHarness(): Harness {
  let clock = 1_000_000;
  return {
    store: (options = {}) => createMemoryIdempotencyStore({ ...options, now: () => clock }),
    shortMs: 1000,
    async expire(store, scope, key, fingerprint) {
      clock += 1000;
      return store.begin(scope, key, fingerprint);
    },
  };
}

async function redisHarness(): Promise<Harness> {
  const redis = await redisTestClient(TEST_REDIS_URL);
  clients.push(redis);
  const prefix = testPrefix('idem');
  prefixes.push(prefix);
  return {
    // A generous timeout: this suite checks what Redis decides, never the fallback.
    store: (options = {}) => createRedisIdempotencyStore({ redis, prefix, logger: silentLogger, timeoutMs: 2000, ...options }),
    shortMs: 200,
    async expire(store, scope, key, fingerprint) {
      let result: BeginResult = await store.begin(scope, key, fingerprint);
      for (let i = 0; i < 200 && result.status !== 'NEW'; i++) {
        await Bun.sleep(25);
        result = await store.begin(scope, key, fingerprint);
      }
      return result;
    },
  };
}

const adapters = [
  { name: 'memory', available: true, harness: async () => memoryHarness() },
  { name: 'redis', available: hasRedis, harness: redisHarness },
];

let seq = 0;
const freshKey = () => `key-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const FP_A = 'a'.repeat(64);
const FP_B = 'b'.repeat(64);
const response = (body = '{"id":"chatcmpl-1"}', headers: Record<string, string> = { 'content-type': 'application/json' }): StoredResponse => ({
  status: 200,
  headers,
  body,
  createdAt: 1_700_000_000_000,
});

function leaseOf(result: BeginResult): IdempotencyLease {
  if (result.status !== 'NEW') throw new Error(`expected NEW, got ${result.status}`);
  return result.lease;
}

describe.each(adapters)('IdempotencyStore contract: $name', ({ available, harness }) => {
  const t = available ? test : test.skip;

  t('hands out one lease, shows the key in progress, then replays the completed response with only its replayable headers', async () => {
    const store = (await harness()).store();
    const key = freshKey();
    const lease = leaseOf(await store.begin('tenant-a', key, FP_A));
    expect(await store.begin('tenant-a', key, FP_A)).toEqual({ status: 'IN_PROGRESS' });

    await store.complete(lease, response('{"id":"chatcmpl-1"}', { 'Content-Type': 'application/json', 'x-cache': 'BYPASS', 'x-request-id': 'r1', 'set-cookie': 's=1' }), 60_000);
    expect(await store.begin('tenant-a', key, FP_A)).toEqual({
      status: 'DONE',
      response: { status: 200, headers: { 'content-type': 'application/json', 'x-cache': 'BYPASS' }, body: '{"id":"chatcmpl-1"}', createdAt: 1_700_000_000_000 },
    });
  });

  t('gives exactly one of many concurrent callers the lease', async () => {
    const store = (await harness()).store();
    const key = freshKey();
    const results = await Promise.all(Array.from({ length: 10 }, () => store.begin('tenant-a', key, FP_A)));
    expect(results.filter((r) => r.status === 'NEW')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'IN_PROGRESS')).toHaveLength(9);
  });

  t('answers CONFLICT for the same key with a different fingerprint, in progress and completed', async () => {
    const store = (await harness()).store();
    const key = freshKey();
    const lease = leaseOf(await store.begin('tenant-a', key, FP_A));
    expect(await store.begin('tenant-a', key, FP_B)).toEqual({ status: 'CONFLICT' });
    await store.complete(lease, response(), 60_000);
    expect(await store.begin('tenant-a', key, FP_B)).toEqual({ status: 'CONFLICT' });
    expect((await store.begin('tenant-a', key, FP_A)).status).toBe('DONE');
  });

  t('forgets an abandoned request, so its retry begins anew, even with another body', async () => {
    const store = (await harness()).store();
    const key = freshKey();
    await store.abandon(leaseOf(await store.begin('tenant-a', key, FP_A)));
    const retry = await store.begin('tenant-a', key, FP_B);
    expect(retry.status).toBe('NEW');
    expect(retry).not.toHaveProperty('degraded');
  });

  t('forgets a completed response after its TTL', async () => {
    const h = await harness();
    const store = h.store();
    const key = freshKey();
    await store.complete(leaseOf(await store.begin('tenant-a', key, FP_A)), response(), h.shortMs);
    expect((await store.begin('tenant-a', key, FP_A)).status).toBe('DONE');
    expect((await h.expire(store, 'tenant-a', key, FP_A)).status).toBe('NEW');
  });

  t('lets another caller take a key whose lease expired, and the first caller’s late complete or abandon leaves it alone', async () => {
    const h = await harness();
    const store = h.store({ leaseMs: h.shortMs });
    const key = freshKey();
    const stale = leaseOf(await store.begin('tenant-a', key, FP_A));
    const successor = leaseOf(await h.expire(store, 'tenant-a', key, FP_A));

    await store.complete(stale, response('{"late":true}'), 60_000);
    await store.abandon(stale);
    expect(await store.begin('tenant-a', key, FP_A)).toEqual({ status: 'IN_PROGRESS' });
    await store.complete(successor, response('{"successor":true}'), 60_000);
    const replay = await store.begin('tenant-a', key, FP_A);
    expect(replay.status === 'DONE' && replay.response.body).toBe('{"successor":true}');
  });

  t('keeps the same key in two tenants apart', async () => {
    const store = (await harness()).store();
    const key = freshKey();
    const a = leaseOf(await store.begin('tenant-a', key, FP_A));
    const b = leaseOf(await store.begin('tenant-b', key, FP_B));
    await store.complete(a, response('{"tenant":"a"}'), 60_000);
    await store.abandon(b);
    const replayA = await store.begin('tenant-a', key, FP_A);
    expect(replayA.status === 'DONE' && replayA.response.body).toBe('{"tenant":"a"}');
    expect((await store.begin('tenant-b', key, FP_A)).status).toBe('NEW');
  });

  t('stores a body over the size cap as a not-replayable marker that keeps the status', async () => {
    const store = (await harness()).store({ maxBodyBytes: 1024 });
    const key = freshKey();
    // 400 characters but 1,200 UTF-8 bytes: the cap is on bytes.
    await store.complete(leaseOf(await store.begin('tenant-a', key, FP_A)), { ...response('€'.repeat(400)), status: 201 }, 60_000);
    expect(await store.begin('tenant-a', key, FP_A)).toEqual({ status: 'NOT_REPLAYABLE', responseStatus: 201, createdAt: 1_700_000_000_000 });
    expect(await store.begin('tenant-a', key, FP_B)).toEqual({ status: 'CONFLICT' });

    const small = freshKey();
    await store.complete(leaseOf(await store.begin('tenant-a', small, FP_A)), response('x'.repeat(1024)), 60_000);
    expect((await store.begin('tenant-a', small, FP_A)).status).toBe('DONE');
  });
});
