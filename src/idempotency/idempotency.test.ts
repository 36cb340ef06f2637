/**
 * The coordinator over the memory store: sharing within an instance, waiting for another instance (two
 * coordinators over one store), failures, cancellation and refusals; and over a Redis that is unreachable.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { silentLogger } from '../log';
import { freePort, redisTestClient } from '../ratelimit/ratelimit-test-helpers';
import { createIdempotency, idempotencyRefusal, requestFingerprint, type IdempotencyOutcome } from './idempotency';
import type { IdempotencyStore, StoredResponse } from './idempotency-store';
import { createMemoryIdempotencyStore } from './memory-idempotency-store';
import { createRedisIdempotencyStore } from './redis-idempotency-store';

const FP = requestFingerprint({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] });
const OTHER_FP = requestFingerprint({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'bye' }] });

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Observed here so that a rejection before the work even started is not an unhandled one.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

const answer = (body: string): StoredResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body, createdAt: 1 });

/** Work that counts its runs and finishes when told. */
function controlledWork() {
  const gate = deferred<StoredResponse>();
  let runs = 0;
  let signal: AbortSignal | undefined;
  return {
    gate,
    get runs() {
      return runs;
    },
    get signal() {
      return signal;
    },
    work: (s: AbortSignal) => {
      runs += 1;
      signal = s;
      return gate.promise;
    },
  };
}

const coordinator = (store: IdempotencyStore = createMemoryIdempotencyStore(), waitMs = 5_000) =>
  createIdempotency({ store, ttlMs: 60_000, waitMs, pollMs: 5, maxPollMs: 20 });

const okBody = (outcome: IdempotencyOutcome) => (outcome.status === 'OK' ? outcome.response.body : outcome.status);

describe('idempotency coordinator', () => {
  test('runs concurrent requests with the same key once and gives both the same response, the second as a replay', async () => {
    const idem = coordinator();
    const w = controlledWork();
    const first = idem.run('tenant-a', 'k1', FP, w.work);
    const second = idem.run('tenant-a', 'k1', FP, w.work);
    w.gate.resolve(answer('{"n":1}'));
    expect(await first).toEqual({ status: 'OK', response: answer('{"n":1}'), replayed: false, degraded: false });
    expect(await second).toEqual({ status: 'OK', response: answer('{"n":1}'), replayed: true, degraded: false });
    expect(w.runs).toBe(1);
    expect(idem.stats()).toMatchObject({ executed: 1, replayed: 1 });
  });

  test('replays a completed response to a later retry without running the work again', async () => {
    const idem = coordinator();
    let runs = 0;
    const work = async () => answer(`{"run":${++runs}}`);
    expect(okBody(await idem.run('tenant-a', 'k2', FP, work))).toBe('{"run":1}');
    const retry = await idem.run('tenant-a', 'k2', FP, work);
    expect(retry).toMatchObject({ status: 'OK', replayed: true });
    expect(okBody(retry)).toBe('{"run":1}');
    expect(runs).toBe(1);
  });

  test('does not store a failure: the callers sharing it see the error and the next retry runs again', async () => {
    const idem = coordinator();
    const w = controlledWork();
    const first = idem.run('tenant-a', 'k3', FP, w.work);
    const second = idem.run('tenant-a', 'k3', FP, w.work);
    w.gate.reject(new Error('upstream down'));
    const settled = await Promise.allSettled([first, second]);
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : s.status))).toEqual(['upstream down', 'upstream down']);
    expect(w.runs).toBe(1);
    expect(await idem.run('tenant-a', 'k3', FP, async () => answer('{"retry":true}'))).toMatchObject({ status: 'OK', replayed: false });
  });

  test('refuses the same key with a different body, while in progress and after completion, without running it', async () => {
    const idem = coordinator();
    const w = controlledWork();
    const first = idem.run('tenant-a', 'k4', FP, w.work);
    let otherRuns = 0;
    const other = async () => (otherRuns++, answer('{}'));
    expect(await idem.run('tenant-a', 'k4', OTHER_FP, other)).toEqual({ status: 'CONFLICT' });
    w.gate.resolve(answer('{"n":1}'));
    await first;
    expect(await idem.run('tenant-a', 'k4', OTHER_FP, other)).toEqual({ status: 'CONFLICT' });
    expect(otherRuns).toBe(0);
    expect(idem.stats().conflicts).toBe(2);
  });

  test('waits for another instance’s execution of the key and replays its response', async () => {
    const store = createMemoryIdempotencyStore();
    const instanceA = coordinator(store);
    const instanceB = coordinator(store);
    const a = controlledWork();
    const b = controlledWork();
    const onA = instanceA.run('tenant-a', 'k5', FP, a.work);
    const onB = instanceB.run('tenant-a', 'k5', FP, b.work);
    await Bun.sleep(30); // B is polling by now; how long it polls is not asserted
    a.gate.resolve(answer('{"from":"A"}'));
    expect(await onA).toMatchObject({ status: 'OK', replayed: false });
    expect(await onB).toMatchObject({ status: 'OK', replayed: true, response: { body: '{"from":"A"}' } });
    expect(b.runs).toBe(0);
  });

  test('answers IN_PROGRESS when another instance is still running the key after the wait', async () => {
    const store = createMemoryIdempotencyStore();
    const a = controlledWork();
    const onA = coordinator(store).run('tenant-a', 'k6', FP, a.work);
    const b = controlledWork();
    const instanceB = coordinator(store, 40);
    expect(await instanceB.run('tenant-a', 'k6', FP, b.work)).toEqual({ status: 'IN_PROGRESS' });
    expect(b.runs).toBe(0);
    expect(instanceB.stats().inProgress).toBe(1);
    a.gate.resolve(answer('{}'));
    await onA;
  });

  test('takes the key over and runs it when the other instance’s execution failed while it waited', async () => {
    const store = createMemoryIdempotencyStore();
    const a = controlledWork();
    const onA = coordinator(store).run('tenant-a', 'k7', FP, a.work);
    const onB = coordinator(store).run('tenant-a', 'k7', FP, async () => answer('{"from":"B"}'));
    await Bun.sleep(30);
    a.gate.reject(new Error('upstream down'));
    await onA.catch(() => {});
    expect(await onB).toMatchObject({ status: 'OK', replayed: false, response: { body: '{"from":"B"}' } });
  });

  test('aborts the shared work only when every caller has gone, then lets a retry run again', async () => {
    const idem = coordinator();
    const w = controlledWork();
    const first = new AbortController();
    const second = new AbortController();
    const runs = [idem.run('tenant-a', 'k8', FP, w.work, first.signal), idem.run('tenant-a', 'k8', FP, w.work, second.signal)];
    await Bun.sleep(0);
    first.abort(new Error('client gone'));
    expect(w.signal?.aborted).toBe(false);
    second.abort(new Error('client gone'));
    expect(w.signal?.aborted).toBe(true);
    w.gate.reject(w.signal?.reason);
    await Promise.allSettled(runs);
    expect(await idem.run('tenant-a', 'k8', FP, async () => answer('{"again":true}'))).toMatchObject({ status: 'OK', replayed: false });
  });

  test('answers NOT_REPLAYABLE to a retry of a request whose response was too large to keep, and gives the first caller its full response', async () => {
    const idem = coordinator(createMemoryIdempotencyStore({ maxBodyBytes: 100 }));
    const big = answer('x'.repeat(101));
    expect(await idem.run('tenant-a', 'k9', FP, async () => big)).toMatchObject({ status: 'OK', response: big });
    expect(await idem.run('tenant-a', 'k9', FP, async () => big)).toEqual({ status: 'NOT_REPLAYABLE', responseStatus: 200, createdAt: 1 });
  });

  test('keeps the same key in two tenants apart', async () => {
    const idem = coordinator();
    expect(okBody(await idem.run('tenant-a', 'k10', FP, async () => answer('"a"')))).toBe('"a"');
    expect(await idem.run('tenant-b', 'k10', OTHER_FP, async () => answer('"b"'))).toMatchObject({ status: 'OK', replayed: false });
  });
});

describe('idempotency coordinator with Redis unreachable', () => {
  const ready = redisTestClient(`redis://127.0.0.1:${freePort()}`, { waitReady: false });
  afterAll(async () => (await ready).disconnect());

  test('runs every request (no deduplication) without throwing, and says it ran degraded', async () => {
    const store = createRedisIdempotencyStore({ redis: await ready, prefix: 'gw-test-idem-down', logger: silentLogger, timeoutMs: 10 * 60_000 });
    const idem = coordinator(store);
    let runs = 0;
    const work = async () => answer(`{"run":${++runs}}`);
    expect(await idem.run('tenant-a', 'k', FP, work)).toMatchObject({ status: 'OK', replayed: false, degraded: true });
    expect(await idem.run('tenant-a', 'k', FP, work)).toMatchObject({ status: 'OK', replayed: false, degraded: true });
    expect(runs).toBe(2);
    expect(idem.stats().degraded).toBe(2);
  });
});

describe('request fingerprints and refusals', () => {
  test('fingerprints ignore key order but not values', () => {
    expect(requestFingerprint({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(requestFingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(requestFingerprint({ a: 1, stream: false })).not.toBe(requestFingerprint({ a: 1, stream: true }));
    expect(requestFingerprint({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  test('maps a reused key to 422, an unfinished one to 409 with Retry-After, and an unreplayable one to 409', () => {
    expect(idempotencyRefusal({ status: 'CONFLICT' })).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    expect(idempotencyRefusal({ status: 'IN_PROGRESS' })).toMatchObject({ status: 409, code: 'idempotency_in_progress', retryAfterSec: 1 });
    expect(idempotencyRefusal({ status: 'NOT_REPLAYABLE', responseStatus: 200, createdAt: 1 })).toMatchObject({ status: 409, code: 'idempotency_not_replayable' });
  });
});
