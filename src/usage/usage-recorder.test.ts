import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../log';
import { createMemoryUsageStore } from './memory-usage-store';
import { createUsageRecorder, type UsageEvent } from './usage-recorder';
import type { UsageStore } from './usage-store';

const event = (requestId: string, overrides: Partial<UsageEvent> = {}): UsageEvent => ({
  requestId,
  tenant: 'city',
  route: '/v1/chat/completions',
  model: 'deepseek-chat',
  cacheStatus: 'MISS',
  upstreamCalled: true,
  promptTokens: 1_000_000,
  completionTokens: 1_000_000,
  latencyMs: 5,
  ...overrides,
});

/** A store that can be switched off, as Postgres going down and coming back. */
function flakyStore() {
  const inner = createMemoryUsageStore();
  let up = true;
  const store: UsageStore = {
    record: (rows) => (up ? inner.record(rows) : Promise.reject(new Error('database down'))),
    summary: (query) => inner.summary(query),
  };
  return { store, inner, setUp: (value: boolean) => (up = value) };
}

describe('usage recorder', () => {
  test('prices upstream calls as spend and cache hits as savings', async () => {
    const store = createMemoryUsageStore();
    const recorder = createUsageRecorder({ store, logger: silentLogger, flushIntervalMs: 60_000 });
    recorder.record(event('r1'));
    recorder.record(event('r2', { cacheStatus: 'HIT', upstreamCalled: false }));
    await recorder.close();
    const { total } = await store.summary();
    // deepseek-chat: $0.28 per million input tokens, $0.42 per million output tokens.
    expect(total.costUsd).toBeCloseTo(0.7, 6);
    expect(total.savedCostUsd).toBeCloseTo(0.7, 6);
    expect(total.upstreamCalls).toBe(1);
  });

  test('keeps rows while the database is down and writes them when it returns', async () => {
    const flaky = flakyStore();
    const recorder = createUsageRecorder({ store: flaky.store, logger: silentLogger, flushIntervalMs: 60_000 });
    flaky.setUp(false);
    recorder.record(event('r1'));
    recorder.record(event('r2'));
    await recorder.flush();
    expect(recorder.stats()).toMatchObject({ buffered: 2, written: 0, failedFlushes: 1 });
    flaky.setUp(true);
    await recorder.flush();
    expect(recorder.stats()).toMatchObject({ buffered: 0, written: 2 });
    expect((await flaky.inner.summary()).total.requests).toBe(2);
    await recorder.close();
  });

  test('bounds the buffer while the database is down and counts what it drops', async () => {
    const flaky = flakyStore();
    flaky.setUp(false);
    const recorder = createUsageRecorder({ store: flaky.store, logger: silentLogger, flushIntervalMs: 60_000, maxBuffered: 3, batchSize: 100 });
    for (let i = 0; i < 5; i++) recorder.record(event(`r${i}`));
    expect(recorder.stats()).toMatchObject({ buffered: 3, dropped: 2 });
    flaky.setUp(true);
    await recorder.close();
    expect((await flaky.inner.summary()).total.requests).toBe(3);
  });

  test('a retried batch never counts a request twice', async () => {
    const store = createMemoryUsageStore();
    const recorder = createUsageRecorder({ store, logger: silentLogger, flushIntervalMs: 60_000 });
    recorder.record(event('same-id'));
    recorder.record(event('same-id'));
    await recorder.close();
    expect((await store.summary()).total.requests).toBe(1);
  });

  test('flushes everything buffered on close', async () => {
    const store = createMemoryUsageStore();
    const recorder = createUsageRecorder({ store, logger: silentLogger, flushIntervalMs: 60_000, batchSize: 2 });
    for (let i = 0; i < 5; i++) recorder.record(event(`r${i}`));
    await recorder.close();
    expect((await store.summary()).total.requests).toBe(5);
  });
});
