/**
 * One contract suite for every EntryStore (L3) adapter: memory, Drizzle on PGlite, Drizzle on a real Postgres
 * (skipped only when Postgres is unreachable and REQUIRE_SERVICES is not set). Corrupt rows can only exist in a
 * database, so those tests write rows behind the store's back with SQL and run on the Drizzle variants only.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { openMigratedDatabase } from '../../db/testing/migrated-database';
import { createTestDatabase, postgresAvailable } from '../testing/services';
import type { CacheEntry } from './cache-entry';
import { createDrizzleEntryStore } from './drizzle-entry-store';
import type { EntryChanges, EntryStore } from './entry-store';
import { createMemoryEntryStore } from './memory-entry-store';

// PGlite's first start runs initdb; bunfig's [test] timeout is not applied by Bun.
setDefaultTimeout(60_000);

interface Harness {
  store: EntryStore;
  corrupt: Array<{ entryId: string; problem: string }>;
  /** Raw SQL behind the store's back (database adapters only). */
  db?: Db;
  feedbackOf(entryId: string): Promise<Array<{ tenant: string; correct: boolean }>>;
  close(): Promise<void>;
}

/** `db.execute` answers an array on postgres.js and `{ rows }` on PGlite. */
async function query<T>(db: Db, statement: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

async function drizzleHarness(url?: string, onClose: () => Promise<void> = async () => {}): Promise<Harness> {
  const { database, dispose } = await openMigratedDatabase({ url });
  const corrupt: Harness['corrupt'] = [];
  const db = database.db;
  return {
    store: createDrizzleEntryStore({ db, onCorrupt: (entryId, problem) => corrupt.push({ entryId, problem }) }),
    corrupt,
    db,
    feedbackOf: (entryId) => query(db, sql`select tenant, correct from cache_feedback where entry_id = ${entryId} order by id`),
    async close() {
      await dispose();
      await onClose();
    },
  };
}

function memoryHarness(): Harness {
  const store = createMemoryEntryStore();
  return {
    store,
    corrupt: [],
    feedbackOf: async (entryId) => store.feedback.filter((f) => f.entryId === entryId).map(({ tenant, correct }) => ({ tenant, correct })),
    close: async () => {},
  };
}

const postgresUp = await postgresAvailable();
const adapters: Array<{ name: string; available: boolean; open: () => Promise<Harness> }> = [
  { name: 'memory', available: true, open: async () => memoryHarness() },
  { name: 'drizzle on PGlite', available: true, open: () => drizzleHarness() },
  {
    name: 'drizzle on Postgres',
    available: postgresUp,
    open: async () => {
      const testDb = await createTestDatabase('gw_cache_entries');
      return drizzleHarness(testDb.url, () => testDb.drop());
    },
  },
];

/** A unit vector with awkward float32 values (not exactly representable decimals, mixed signs). */
function unitVector(dimensions: number, seed: number): Float32Array {
  const v = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) v[i] = Math.sin(seed * 7.31 + i * 1.7) / (1 + (i % 5));
  let norm = 0;
  for (const x of v) norm += x * x;
  for (let i = 0; i < dimensions; i++) v[i] = v[i]! / Math.sqrt(norm);
  return v;
}

let seed = 0;
function makeEntry(tenant: string, overrides: Partial<CacheEntry> = {}): CacheEntry {
  const n = ++seed;
  const now = Date.now();
  return {
    id: randomUUID(),
    tenant,
    namespace: 'default',
    partition: `partition-${tenant}`,
    exactKey: `exact-${randomUUID()}`,
    model: 'deepseek-chat',
    embedderModelId: 'fake/test-d8',
    embedding: unitVector(8, n),
    promptText: `question ${n}`,
    answer: { content: `answer ${n}`, finishReason: 'stop', promptTokens: 3, completionTokens: 2 },
    // Whole milliseconds: Postgres keeps microseconds, JS dates milliseconds.
    createdAt: new Date(now),
    expiresAt: new Date(now + 3_600_000),
    ...overrides,
  };
}

const bytesOf = (v: Float32Array) => [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];

/** Every change above `since`, page by page, as an instance catching up would read them. */
async function drain(store: EntryStore, since: number, limit: number): Promise<{ pages: EntryChanges[]; version: number }> {
  const pages: EntryChanges[] = [];
  let version = since;
  for (let i = 0; i < 100; i++) {
    const page = await store.changesSince(version, limit);
    expect(page.upserts.length + page.removals.length).toBeLessThanOrEqual(limit);
    if (page.version === version) return { pages, version };
    expect(page.version).toBeGreaterThan(version);
    pages.push(page);
    version = page.version;
  }
  throw new Error('changesSince never stopped advancing');
}

describe.each(adapters)('EntryStore contract: $name', ({ name, available, open }) => {
  const it = available ? test : test.skip;
  let harness: Harness;
  let store: EntryStore;
  // Every test uses its own tenants, so one database serves the whole suite.
  const tenant = () => `tenant-${randomUUID()}`;

  beforeAll(async () => {
    if (!available) return;
    harness = await open();
    store = harness.store;
  });
  afterAll(async () => {
    if (available) await harness.close();
  });

  it('inserts an entry and reads it back by id and by exact key', async () => {
    const entry = makeEntry(tenant());
    expect(await store.insert(entry)).toEqual({ entry, created: true });
    for (const read of [await store.get(entry.id), await store.getByExactKey(entry.exactKey)]) {
      expect(read).toBeDefined();
      const { embedding, ...rest } = read!;
      const { embedding: expected, ...expectedRest } = entry;
      expect(rest).toEqual(expectedRest);
      expect(bytesOf(embedding!)).toEqual(bytesOf(expected!));
    }
    expect(await store.get(randomUUID())).toBeUndefined();
    expect(await store.getByExactKey('exact-never-stored')).toBeUndefined();
  });

  it('keeps one entry per exact key: a second insert returns the existing entry with created false', async () => {
    const first = makeEntry(tenant());
    await store.insert(first);
    const second = makeEntry(first.tenant, { exactKey: first.exactKey, answer: { ...first.answer, content: 'another answer' } });
    const result = await store.insert(second);
    expect(result.created).toBe(false);
    expect(result.entry.id).toBe(first.id);
    expect(result.entry.answer.content).toBe(first.answer.content);
    expect(await store.get(second.id)).toBeUndefined();
    expect((await store.getByExactKey(first.exactKey))?.id).toBe(first.id);
  });

  it('stores an entry entirely without an embedding (exact-only) and reads it back without one', async () => {
    const entry = makeEntry(tenant(), { embedding: undefined, embedderModelId: undefined, partition: undefined });
    await store.insert(entry);
    const read = await store.get(entry.id);
    expect(read?.embedding).toBeUndefined();
    expect(read?.partition).toBeUndefined();
    expect(read?.answer).toEqual(entry.answer);
  });

  it('never returns an expired entry, by id, by exact key or as a change', async () => {
    const since = (await store.changesSince(0, 100_000)).version;
    const expired = makeEntry(tenant(), { createdAt: new Date(Date.now() - 7_200_000), expiresAt: new Date(Date.now() - 1_000) });
    await store.insert(expired);
    expect(await store.get(expired.id)).toBeUndefined();
    expect(await store.getByExactKey(expired.exactKey)).toBeUndefined();
    const changes = await store.changesSince(since, 1000);
    expect(changes.upserts.map((e) => e.id)).not.toContain(expired.id);
  });

  it('replaces an expired entry that has the same exact key instead of keeping the dead one', async () => {
    const expired = makeEntry(tenant(), { createdAt: new Date(Date.now() - 7_200_000), expiresAt: new Date(Date.now() - 1_000) });
    await store.insert(expired);
    const fresh = makeEntry(expired.tenant, { exactKey: expired.exactKey });
    const result = await store.insert(fresh);
    expect(result).toEqual({ entry: fresh, created: true });
    expect((await store.getByExactKey(expired.exactKey))?.id).toBe(fresh.id);
    expect((await store.get(fresh.id))?.answer).toEqual(fresh.answer);
    expect(await store.get(expired.id)).toBeUndefined();
  });

  it('announces a replaced entry as a change, so other instances learn the new id', async () => {
    const expired = makeEntry(tenant(), { createdAt: new Date(Date.now() - 7_200_000), expiresAt: new Date(Date.now() - 1_000) });
    await store.insert(expired);
    const since = (await store.changesSince(0, 100_000)).version;
    const fresh = makeEntry(expired.tenant, { exactKey: expired.exactKey });
    await store.insert(fresh);
    const changes = await store.changesSince(since, 1000);
    expect(changes.upserts.map((e) => e.id)).toContain(fresh.id);
  });

  it('counts hits without ever extending the absolute expiry', async () => {
    const entry = makeEntry(tenant());
    await store.insert(entry);
    await store.recordHits([entry.id]);
    await store.recordHits([entry.id, randomUUID()]);
    await store.recordHits([]);
    const read = await store.get(entry.id);
    expect(read?.expiresAt.getTime()).toBe(entry.expiresAt.getTime());
    if (harness.db) {
      const [row] = await query<{ hit_count: number; last_hit_at: unknown }>(harness.db, sql`select hit_count, last_hit_at from cache_entries where id = ${entry.id}`);
      expect(Number(row?.hit_count)).toBe(2);
      expect(row?.last_hit_at).not.toBeNull();
    }
  });

  it('round-trips an embedding bit-exactly, even from a view into a larger buffer', async () => {
    const dimensions = 384;
    const backing = new Float32Array(dimensions + 3);
    const view = backing.subarray(3);
    view.set(unitVector(dimensions, 99));
    // A subnormal and a negative zero survive only a byte copy, not a decimal round trip. Both replace values
    // too small to move the norm (the store rejects vectors that are not unit length).
    const subnormalAt = 7;
    const zeroAt = 11;
    view[subnormalAt] = 0;
    view[zeroAt] = 0;
    let norm = 0;
    for (const x of view) norm += x * x;
    for (let i = 0; i < dimensions; i++) view[i] = view[i]! / Math.sqrt(norm);
    view[subnormalAt] = 1e-45;
    view[zeroAt] = -0;
    const entry = makeEntry(tenant(), { embedding: view });
    await store.insert(entry);
    const read = await store.get(entry.id);
    expect(read?.embedding).toBeInstanceOf(Float32Array);
    expect(read?.embedding?.length).toBe(dimensions);
    expect(bytesOf(read!.embedding!)).toEqual(bytesOf(view));
    expect(Object.is(read!.embedding![zeroAt], -0)).toBe(true);
    const changed = (await store.changesSince(0, 100_000)).upserts.find((e) => e.id === entry.id);
    expect(bytesOf(changed!.embedding!)).toEqual(bytesOf(view));
  });

  it('removes only the named tenant’s entries and returns their ids and exact keys', async () => {
    const mine = makeEntry(tenant());
    const mineToo = makeEntry(mine.tenant);
    const theirs = makeEntry(tenant());
    for (const e of [mine, mineToo, theirs]) await store.insert(e);
    const removed = await store.remove(mine.tenant, [mine.id, theirs.id], 'test');
    expect(removed).toEqual([{ id: mine.id, exactKey: mine.exactKey }]);
    expect(await store.get(mine.id)).toBeUndefined();
    expect(await store.get(mineToo.id)).toBeDefined();
    expect(await store.get(theirs.id)).toBeDefined();
    expect(await store.remove(mine.tenant, [mine.id], 'again')).toEqual([]);
    expect(await store.remove(mine.tenant, [], 'nothing')).toEqual([]);
  });

  it('flushes one namespace or a whole tenant, never another tenant', async () => {
    const a = tenant();
    const b = tenant();
    const aOne = makeEntry(a, { namespace: 'one' });
    const aTwo = makeEntry(a, { namespace: 'two' });
    const bOne = makeEntry(b, { namespace: 'one' });
    for (const e of [aOne, aTwo, bOne]) await store.insert(e);

    expect(await store.flush(a, 'one')).toEqual([{ id: aOne.id, exactKey: aOne.exactKey }]);
    expect(await store.get(aTwo.id)).toBeDefined();
    expect(await store.get(bOne.id)).toBeDefined();

    expect(await store.flush(a)).toEqual([{ id: aTwo.id, exactKey: aTwo.exactKey }]);
    expect(await store.get(bOne.id)).toBeDefined();
    expect(await store.flush(a)).toEqual([]);
  });

  it('reports upserts with their embeddings and removals above a version, and advances the version', async () => {
    const t = tenant();
    const since = (await store.changesSince(0, 100_000)).version;
    const kept = makeEntry(t);
    const dropped = makeEntry(t);
    await store.insert(kept);
    await store.insert(dropped);
    await store.remove(t, [dropped.id], 'test');

    const changes = await store.changesSince(since, 1000);
    expect(changes.version).toBeGreaterThan(since);
    expect(changes.upserts.map((e) => e.id)).toEqual([kept.id]);
    expect(bytesOf(changes.upserts[0]!.embedding!)).toEqual(bytesOf(kept.embedding!));
    expect(changes.removals).toEqual([{ entryId: dropped.id, tenant: t }]);

    const after = await store.changesSince(changes.version, 1000);
    expect(after).toEqual({ upserts: [], removals: [], version: changes.version });
  });

  it('pages through interleaved upserts and removals without losing any', async () => {
    const t = tenant();
    const since = (await store.changesSince(0, 100_000)).version;
    const [e1, e2, e3, e4, e5] = Array.from({ length: 5 }, () => makeEntry(t));
    for (const e of [e1!, e2!, e3!]) await store.insert(e);
    await store.remove(t, [e1!.id], 'test');
    for (const e of [e4!, e5!]) await store.insert(e);
    await store.remove(t, [e2!.id], 'test');

    const { pages } = await drain(store, since, 2);
    expect(pages.length).toBeGreaterThan(1);
    const upserts = pages.flatMap((p) => p.upserts.map((e) => e.id));
    const removals = pages.flatMap((p) => p.removals.map((r) => r.entryId));
    expect(upserts.sort()).toEqual([e3!.id, e4!.id, e5!.id].sort());
    expect(removals.sort()).toEqual([e1!.id, e2!.id].sort());
  });

  it('purges expired entries and nothing else', async () => {
    const t = tenant();
    const now = Date.now();
    // Expiring within the test's horizon, but still live by the clock, so only the purge can make them vanish.
    const soon = [makeEntry(t, { expiresAt: new Date(now + 600_000) }), makeEntry(t, { expiresAt: new Date(now + 600_000) })];
    const later = makeEntry(t, { expiresAt: new Date(now + 3_600_000) });
    for (const e of [...soon, later]) await store.insert(e);

    expect(await store.purgeExpired(new Date(now + 1_200_000))).toBeGreaterThanOrEqual(2);
    for (const e of soon) expect(await store.get(e.id)).toBeUndefined();
    expect(await store.get(later.id)).toBeDefined();
    expect(await store.purgeExpired(new Date(now + 1_200_000))).toBe(0);
  });

  it('persists feedback on an entry', async () => {
    const entry = makeEntry(tenant());
    await store.insert(entry);
    await store.recordFeedback(entry.tenant, entry.id, false);
    await store.recordFeedback(entry.tenant, entry.id, true);
    expect(await harness.feedbackOf(entry.id)).toEqual([
      { tenant: entry.tenant, correct: false },
      { tenant: entry.tenant, correct: true },
    ]);
  });

  // Only a database can hold a row the store did not write; the memory adapter keeps objects, not bytes.
  if (name === 'memory') return;

  describe('corrupt rows', () => {
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    const floats = (...values: number[]) => new Uint8Array(new Float32Array(values).buffer);

    async function writeRaw(db: Db, row: { embeddingHex: string | null; dimensions: number | null; answer: string }) {
      const id = randomUUID();
      const t = tenant();
      const exactKey = `exact-${id}`;
      const embedding = row.embeddingHex === null ? sql`null` : sql`decode(${row.embeddingHex}, 'hex')`;
      await db.execute(sql`
        insert into cache_entries (id, tenant, namespace, partition, exact_key, model, embedder_model_id, dimensions, embedding, prompt_text, answer, expires_at)
        values (${id}, ${t}, 'default', 'p', ${exactKey}, 'deepseek-chat', 'fake/test', ${row.dimensions}, ${embedding}, 'q', ${row.answer}::jsonb, now() + interval '1 hour')`);
      return { id, exactKey };
    }

    const cases: Array<{ what: string; embeddingHex: string | null; dimensions: number | null; answer: string }> = [
      { what: 'an embedding whose byte length is not whole floats', embeddingHex: '000000000000803f0000', dimensions: 2, answer: '{"content":"x","finishReason":"stop","promptTokens":1,"completionTokens":1}' },
      { what: 'an embedding that is not unit length', embeddingHex: hex(floats(1, 1)), dimensions: 2, answer: '{"content":"x","finishReason":"stop","promptTokens":1,"completionTokens":1}' },
      { what: 'an embedding with NaN', embeddingHex: hex(floats(Number.NaN, 0)), dimensions: 2, answer: '{"content":"x","finishReason":"stop","promptTokens":1,"completionTokens":1}' },
      { what: 'an embedding whose length disagrees with its dimensions', embeddingHex: hex(floats(1, 0)), dimensions: 3, answer: '{"content":"x","finishReason":"stop","promptTokens":1,"completionTokens":1}' },
      { what: 'an answer without content', embeddingHex: null, dimensions: null, answer: '{"finishReason":"stop"}' },
      { what: 'an answer that is a JSON string, not an object', embeddingHex: null, dimensions: null, answer: '"just text"' },
      { what: 'an answer that is JSON null', embeddingHex: null, dimensions: null, answer: 'null' },
    ];

    for (const c of cases) {
      it(`skips a row with ${c.what} and reports it, on every read path`, async () => {
        const db = harness.db!;
        const since = (await store.changesSince(0, 100_000)).version;
        const { id, exactKey } = await writeRaw(db, c);
        const good = makeEntry(tenant());
        await store.insert(good);
        harness.corrupt.length = 0;

        expect(await store.get(id)).toBeUndefined();
        expect(await store.getByExactKey(exactKey)).toBeUndefined();
        const changes = await store.changesSince(since, 1000);
        expect(changes.upserts.map((e) => e.id)).toEqual([good.id]);
        expect(changes.version).toBeGreaterThan(since);
        expect(harness.corrupt.filter((r) => r.entryId === id)).toHaveLength(3);
        // The rest of the table is unaffected.
        expect((await store.get(good.id))?.id).toBe(good.id);
      });
    }
  });
});
