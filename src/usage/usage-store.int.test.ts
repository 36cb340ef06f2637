/**
 * One contract suite, run against every UsageStore adapter: memory, Drizzle on PGlite, Drizzle on a real
 * Postgres (skipped only when Postgres is unreachable and REQUIRE_SERVICES is not set).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { openMigratedDatabase } from '../../db/testing/migrated-database';
import { usageRecords } from '../../db/schema';
import { createTestDatabase, postgresAvailable } from '../testing/services';
import { createDrizzleUsageStore } from './drizzle-usage-store';
import { createMemoryUsageStore } from './memory-usage-store';
import type { UsageRecord, UsageStore } from './usage-store';

// PGlite's first start runs initdb; bunfig's [test] timeout is not applied by Bun.
setDefaultTimeout(60_000);

interface Harness {
  /** A store over an empty table. */
  fresh(): Promise<UsageStore>;
  close(): Promise<void>;
}

async function drizzleHarness(url?: string, onClose: () => Promise<void> = async () => {}): Promise<Harness> {
  const { database, dispose } = await openMigratedDatabase({ url });
  // A tiny chunk size so that multi-statement batches are exercised with a handful of rows.
  const store = createDrizzleUsageStore({ db: database.db, chunkSize: 3 });
  return {
    async fresh() {
      await database.db.delete(usageRecords);
      return store;
    },
    async close() {
      await dispose();
      await onClose();
    },
  };
}

const postgresUp = await postgresAvailable();
const adapters: Array<{ name: string; available: boolean; open: () => Promise<Harness> }> = [
  { name: 'memory', available: true, open: async () => ({ fresh: async () => createMemoryUsageStore(), close: async () => {} }) },
  { name: 'drizzle on PGlite', available: true, open: () => drizzleHarness() },
  {
    name: 'drizzle on Postgres',
    available: postgresUp,
    open: async () => {
      const testDb = await createTestDatabase('gw_usage');
      return drizzleHarness(testDb.url, () => testDb.drop());
    },
  },
];

function row(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: randomUUID(),
    tenant: 'acme',
    conversationId: null,
    route: '/v1/chat/completions',
    model: 'deepseek-chat',
    cacheStatus: 'MISS',
    upstreamCalled: true,
    promptTokens: 100,
    completionTokens: 50,
    costUsd: 0.000049,
    savedCostUsd: 0,
    latencyMs: 120,
    ...overrides,
  };
}

describe.each(adapters)('UsageStore contract: $name', ({ available, open }) => {
  const it = available ? test : test.skip;
  let harness: Harness;
  let store: UsageStore;

  beforeAll(async () => {
    if (available) harness = await open();
  });
  afterAll(async () => {
    await harness?.close();
  });
  beforeEach(async () => {
    if (available) store = await harness.fresh();
  });

  it('counts a request once however often its row is recorded', async () => {
    const once = row({ requestId: 'req-dup' });
    expect(await store.record([once, row(), row()])).toEqual({ inserted: 3 });
    // A retried batch, and a duplicate inside one batch.
    expect(await store.record([once, row({ requestId: 'req-new' }), row({ requestId: 'req-new' })])).toEqual({ inserted: 1 });
    const { total } = await store.summary();
    expect(total.requests).toBe(4);
    expect(total.promptTokens).toBe(400);
  });

  it('sums requests, upstream calls, tokens, cost and savings overall and per tenant, tenants sorted', async () => {
    await store.record([
      row({ tenant: 'zeta', promptTokens: 10, completionTokens: 5, costUsd: 0.5, conversationId: randomUUID() }),
      row({ tenant: 'alpha', promptTokens: 20, completionTokens: 7, costUsd: 0.25 }),
      row({ tenant: 'alpha', cacheStatus: 'HIT', upstreamCalled: false, promptTokens: 20, completionTokens: 7, costUsd: 0, savedCostUsd: 0.25 }),
    ]);
    const summary = await store.summary();
    expect(summary.total).toEqual({ requests: 3, upstreamCalls: 2, promptTokens: 50, completionTokens: 19, costUsd: 0.75, savedCostUsd: 0.25 });
    expect(summary.byTenant).toEqual([
      { tenant: 'alpha', requests: 2, upstreamCalls: 1, promptTokens: 40, completionTokens: 14, costUsd: 0.25, savedCostUsd: 0.25 },
      { tenant: 'zeta', requests: 1, upstreamCalls: 1, promptTokens: 10, completionTokens: 5, costUsd: 0.5, savedCostUsd: 0 },
    ]);
  });

  it("restricts the summary to one tenant's rows when asked", async () => {
    await store.record([row({ tenant: 'a', promptTokens: 1 }), row({ tenant: 'b', promptTokens: 2 }), row({ tenant: 'b', promptTokens: 3 })]);
    const summary = await store.summary({ tenant: 'b' });
    expect(summary.total).toMatchObject({ requests: 2, promptTokens: 5 });
    expect(summary.byTenant.map((t) => t.tenant)).toEqual(['b']);
    expect(summary.byTenant[0]).toEqual({ tenant: 'b', ...summary.total });
  });

  it('selects rows by time: since inclusive, until exclusive', async () => {
    const at = (iso: string) => new Date(iso);
    await store.record([
      row({ createdAt: at('2025-01-01T00:00:00Z'), promptTokens: 1 }),
      row({ createdAt: at('2025-01-02T00:00:00Z'), promptTokens: 2 }),
      row({ createdAt: at('2025-01-03T00:00:00Z'), promptTokens: 4 }),
    ]);
    expect((await store.summary({ since: at('2025-01-02T00:00:00Z') })).total.promptTokens).toBe(6);
    expect((await store.summary({ until: at('2025-01-02T00:00:00Z') })).total.promptTokens).toBe(1);
    expect((await store.summary({ since: at('2025-01-02T00:00:00Z'), until: at('2025-01-03T00:00:00Z') })).total.promptTokens).toBe(2);
  });

  it('stamps rows recorded without a time so that they count in a window ending now', async () => {
    const before = new Date(Date.now() - 60_000);
    await store.record([row()]);
    expect((await store.summary({ since: before })).total.requests).toBe(1);
  });

  it('reports zero totals and no tenants when nothing matches', async () => {
    expect(await store.summary()).toEqual({
      total: { requests: 0, upstreamCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, savedCostUsd: 0 },
      byTenant: [],
    });
    await store.record([row({ tenant: 'a' })]);
    expect((await store.summary({ tenant: 'nobody' })).byTenant).toEqual([]);
  });

  it('sums many sub-cent costs without losing them', async () => {
    // One prompt token at $0.28 per million: the smallest cost the default price table produces.
    const rows = Array.from({ length: 250 }, () => row({ costUsd: 0.00000028, savedCostUsd: 0.00000042 }));
    expect(await store.record(rows)).toEqual({ inserted: 250 });
    const { total } = await store.summary();
    expect(total.costUsd).toBeCloseTo(0.00007, 12);
    expect(total.savedCostUsd).toBeCloseTo(0.000105, 12);
  });

  it('accepts an empty batch', async () => {
    expect(await store.record([])).toEqual({ inserted: 0 });
  });
});
