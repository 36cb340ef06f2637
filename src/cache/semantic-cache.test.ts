/**
 * The semantic cache service over memory adapters: exact and semantic hits, the hard partitions that keep
 * answers inside their tenant and conversation, the verifier, failure of the embedder or L3 as a MISS, expiry by
 * an injected clock, and several instances kept in step by a memory bus network (with lost messages).
 *
 * Similarities below are the FakeEmbedder's (character trigrams), measured once:
 *   "How do I reset my password?" ~ "How can I reset my password?"        0.863
 *   "How do I reset my password?" ~ "How do I reset my password please?"  0.823
 *   "How can I reset my password?" ~ "How can I reset my password??"      0.944
 *   "How can I reset my password?" ~ "How can I reset my passwords?"      0.910
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { EmbedderError } from '../../embeddings/embedder-error';
import type { Embedder } from '../../embeddings/embedder';
import { FakeEmbedder } from '../../embeddings/fake-embedder';
import { FlatIndex } from '../../embeddings/flat-index';
import type { ChatMessage } from '../llm/llm-provider';
import { silentLogger } from '../log';
import { createMemoryBusNetwork } from '../sync/memory-bus';
import type { CachedAnswer } from './cache-entry';
import type { EntryStore } from './entry-store';
import { createMemoryExactCache } from './exact-cache';
import { createMemoryEntryStore } from './memory-entry-store';
import { SemanticCache, type LookupRequest, type LookupResult, type MatchVerifier, type SemanticCacheOptions } from './semantic-cache';
import { waitFor } from '../testing/wait-for';

const T0 = Date.UTC(2030, 0, 1);
const THRESHOLD = 0.85;
const ORIGINAL = 'How do I reset my password?';
const PARAPHRASE = 'How can I reset my password?'; // 0.863
const BELOW = 'How do I reset my password please?'; // 0.823

const answer = (content = 'Open Settings, then Security, then Reset password.'): CachedAnswer => ({ content, finishReason: 'stop', promptTokens: 9, completionTokens: 8 });

function ask(text: string, overrides: Partial<LookupRequest> & { context?: ChatMessage[] } = {}): LookupRequest {
  const { context = [{ role: 'system', content: 'You are a helpful support agent.' }], ...rest } = overrides;
  return { tenant: 'tenant-a', namespace: 'default', model: 'deepseek-chat', messages: [...context, { role: 'user', content: text }], params: {}, mode: 'normal', ...rest };
}

/** Every cache a test builds shares one clock and (unless told otherwise) one L3. */
function world(options: { entries?: EntryStore } = {}) {
  let clock = T0;
  const memoryEntries = createMemoryEntryStore({ now: () => clock });
  const entries = options.entries ?? memoryEntries;
  const caches: SemanticCache[] = [];
  return {
    entries,
    memoryEntries,
    now: () => clock,
    advance: (ms: number) => void (clock += ms),
    cache(overrides: Partial<SemanticCacheOptions> = {}) {
      const cache = new SemanticCache({
        entries,
        embedder: new FakeEmbedder(),
        logger: silentLogger,
        createIndex: (dimensions) => new FlatIndex({ dimensions }),
        ttlSeconds: 3600,
        threshold: THRESHOLD,
        l1MaxEntries: 100,
        now: () => clock,
        ...overrides,
      });
      caches.push(cache);
      return cache;
    },
    close: () => Promise.all(caches.map((c) => c.close())),
  };
}

let current: ReturnType<typeof world> | undefined;
const newWorld = (options?: Parameters<typeof world>[0]) => (current = world(options));
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** Stores an answer for a question as the chat path does after an upstream call (no-cache: nothing is read). */
async function remember(cache: SemanticCache, request: LookupRequest, content?: string) {
  const found = await cache.lookup({ ...request, mode: 'refresh' });
  if (found.status !== 'REFRESH') throw new Error(`expected REFRESH, got ${found.status}`);
  const entry = await cache.store(found.key, answer(content));
  if (!entry) throw new Error('nothing stored');
  return entry;
}

const statusOf = (result: LookupResult) => result.status;


describe('semantic cache lookups', () => {
  test('answers an identical request exactly (HIT) once it is stored', async () => {
    const cache = newWorld().cache();
    expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('MISS');
    const entry = await remember(cache, ask(ORIGINAL));
    const found = await cache.lookup(ask(ORIGINAL));
    expect(found.status).toBe('HIT');
    if (found.status !== 'HIT') return;
    expect(found.entry.id).toBe(entry.id);
    expect(found.entry.answer).toEqual(answer());
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, stores: 1 });
  });

  test('answers a reworded question with a SEMANTIC_HIT whose similarity is at least the threshold', async () => {
    const cache = newWorld().cache();
    const entry = await remember(cache, ask(ORIGINAL));
    const found = await cache.lookup(ask(PARAPHRASE));
    expect(found.status).toBe('SEMANTIC_HIT');
    if (found.status !== 'SEMANTIC_HIT') return;
    expect(found.entry.id).toBe(entry.id);
    expect(found.similarity).toBeGreaterThanOrEqual(THRESHOLD);
    expect(found.similarity).toBeLessThan(1);
    expect(cache.stats().semanticHits).toBe(1);
  });

  test('misses a question whose similarity is below the threshold, and an unrelated one', async () => {
    const cache = newWorld().cache();
    await remember(cache, ask(ORIGINAL));
    expect(statusOf(await cache.lookup(ask(BELOW)))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask('What is the capital of France?')))).toBe('MISS');
  });

  test('a per-request threshold decides instead of the default, stricter or looser', async () => {
    const cache = newWorld().cache();
    await remember(cache, ask(ORIGINAL));
    expect(statusOf(await cache.lookup(ask(PARAPHRASE)))).toBe('SEMANTIC_HIT');
    expect(statusOf(await cache.lookup(ask(PARAPHRASE, { threshold: 0.9 })))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask(BELOW)))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask(BELOW, { threshold: 0.8 })))).toBe('SEMANTIC_HIT');
  });

  test('never serves another tenant’s answer, not even for an identical prompt', async () => {
    const cache = newWorld().cache();
    await remember(cache, ask(ORIGINAL));
    expect(statusOf(await cache.lookup(ask(ORIGINAL, { tenant: 'tenant-b' })))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask(PARAPHRASE, { tenant: 'tenant-b' })))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask(ORIGINAL, { namespace: 'other' })))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('HIT');
  });

  test('keeps conversations apart: another system prompt, other earlier turns, parameters or model never match', async () => {
    const cache = newWorld().cache();
    const turns: ChatMessage[] = [
      { role: 'system', content: 'You are a helpful support agent.' },
      { role: 'user', content: 'I use the mobile app.' },
      { role: 'assistant', content: 'Noted, the mobile app.' },
    ];
    await remember(cache, ask(ORIGINAL, { context: turns }));
    // Same context: the paraphrase matches, so the misses below are the partition's doing.
    expect(statusOf(await cache.lookup(ask(PARAPHRASE, { context: turns })))).toBe('SEMANTIC_HIT');

    const otherSystem: ChatMessage[] = [{ role: 'system', content: 'You are a pirate.' }, ...turns.slice(1)];
    const otherTurns: ChatMessage[] = [turns[0]!, { role: 'user', content: 'I use the website.' }, { role: 'assistant', content: 'Noted, the website.' }];
    for (const text of [ORIGINAL, PARAPHRASE]) {
      expect(statusOf(await cache.lookup(ask(text, { context: otherSystem })))).toBe('MISS');
      expect(statusOf(await cache.lookup(ask(text, { context: otherTurns })))).toBe('MISS');
      expect(statusOf(await cache.lookup(ask(text, { context: turns.slice(0, 1) })))).toBe('MISS');
      expect(statusOf(await cache.lookup(ask(text, { context: turns, params: { temperature: 0 } })))).toBe('MISS');
      expect(statusOf(await cache.lookup(ask(text, { context: turns, model: 'deepseek-reasoner' })))).toBe('MISS');
    }
  });

  test('a verifier that rejects the candidate turns a semantic match into a MISS, counted by reason', async () => {
    const seen: Array<[string, string]> = [];
    const verifier: MatchVerifier = {
      verify(query, candidate) {
        seen.push([query, candidate]);
        return { ok: false, reason: 'number', detail: 'test' };
      },
    };
    const cache = newWorld().cache({ verifier });
    await remember(cache, ask(ORIGINAL));
    expect(statusOf(await cache.lookup(ask(PARAPHRASE)))).toBe('MISS');
    expect(seen).toEqual([[PARAPHRASE, ORIGINAL]]);
    expect(cache.stats().verifierRejections).toEqual({ number: 1 });
    // An identical request needs no verification.
    expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('HIT');
  });

  test('bypasses requests that cannot be replayed (n > 1, log probabilities)', async () => {
    const cache = newWorld().cache();
    await remember(cache, ask(ORIGINAL));
    const several = await cache.lookup(ask(ORIGINAL, { params: { n: 2 } }));
    expect(several).toMatchObject({ status: 'BYPASS', reason: 'n>1' });
    expect(await cache.lookup(ask(ORIGINAL, { params: { logprobs: true } }))).toMatchObject({ status: 'BYPASS', reason: 'logprobs' });
    expect(cache.stats()).toMatchObject({ bypasses: 2, hits: 0 });
  });

  test('REFRESH skips reading the cache but still hands back the key to store under', async () => {
    const cache = newWorld().cache();
    await remember(cache, ask(ORIGINAL));
    const found = await cache.lookup(ask(ORIGINAL, { mode: 'refresh' }));
    expect(found.status).toBe('REFRESH');
    if (found.status !== 'REFRESH') return;
    expect(found.key.semantic?.text).toBe(ORIGINAL);
    expect(cache.stats()).toMatchObject({ hits: 0, semanticHits: 0 });
  });

  test('matches prompts longer than maxSemanticChars exactly only', async () => {
    const long = 'Please explain in detail how the quarterly revenue figures were computed for the northern region.';
    const nearlyTheSame = long.replace('northern', 'southern'); // 0.955 similar
    const limited = newWorld().cache({ maxSemanticChars: 60 });
    expect(limited.key(ask(long))).toMatchObject({ cacheable: true, semantic: undefined });
    await remember(limited, ask(long));
    expect(statusOf(await limited.lookup(ask(nearlyTheSame)))).toBe('MISS');
    expect(statusOf(await limited.lookup(ask(long)))).toBe('HIT');

    // The same pair under the default limit would have matched: the limit is what keeps them apart.
    const unlimited = newWorld().cache();
    await remember(unlimited, ask(long));
    expect(statusOf(await unlimited.lookup(ask(nearlyTheSame)))).toBe('SEMANTIC_HIT');
  });

  test('storing the same request twice keeps one entry', async () => {
    const cache = newWorld().cache();
    const first = await remember(cache, ask(ORIGINAL));
    const found = await cache.lookup(ask(ORIGINAL, { mode: 'refresh' }));
    if (found.status !== 'REFRESH') throw new Error('expected REFRESH');
    const second = await cache.store(found.key, answer('another answer'));
    expect(second?.id).toBe(first.id);
    expect(cache.stats()).toMatchObject({ stores: 1, entries: 1 });
  });
});

describe('semantic cache when a dependency fails', () => {
  test('an embedder that rejects makes a MISS, is counted, and the prompt is still stored for exact hits', async () => {
    const cache = newWorld().cache({ embedder: new FakeEmbedder({ failOn: 'boom' }) });
    const found = await cache.lookup(ask('boom: how do I reset my password?'));
    expect(found.status).toBe('MISS');
    expect(cache.stats().embedFailures).toBe(1);
    if (found.status !== 'MISS') return;
    expect(found.embedding).toBeUndefined();
    const entry = await cache.store(found.key, answer());
    expect(entry?.embedding).toBeUndefined();
    expect(statusOf(await cache.lookup(ask('boom: how do I reset my password?')))).toBe('HIT');
  });

  test('an embedder that hangs and then times out makes a MISS, counted', async () => {
    const { promise: entered, resolve: enter } = Promise.withResolvers<(error: Error) => void>();
    const fake = new FakeEmbedder();
    // Hangs until the test makes it time out, as an adapter's own deadline would.
    const slow: Embedder = {
      modelId: fake.modelId,
      dimensions: fake.dimensions,
      maxBatchSize: 1,
      embed: () => new Promise((_, reject) => enter(reject)),
      close: async () => {},
    };
    const w = newWorld();
    await remember(w.cache(), ask(ORIGINAL));
    const cache = w.cache({ embedder: slow });
    await cache.reconcile();
    const pending = cache.lookup(ask(PARAPHRASE));
    const fail = await entered;
    fail(new EmbedderError('timeout', 'embedding timed out'));
    expect(statusOf(await pending)).toBe('MISS');
    expect(cache.stats().embedFailures).toBe(1);
  });

  test('an embedder that never answers costs at most the embed deadline, then a MISS', async () => {
    const fake = new FakeEmbedder();
    const stuck: Embedder = { modelId: fake.modelId, dimensions: fake.dimensions, maxBatchSize: 1, embed: () => new Promise(() => {}), close: async () => {} };
    const cache = newWorld().cache({ embedder: stuck, embedTimeoutMs: 10 });
    expect(statusOf(await cache.lookup(ask(PARAPHRASE)))).toBe('MISS');
    expect(cache.stats().embedFailures).toBe(1);
  });

  test('skips an indexed candidate whose L3 row is gone and serves the next best one', async () => {
    const w = newWorld();
    const cache = w.cache();
    const best = await remember(cache, ask('How can I reset my password??')); // 0.944 to the query
    const next = await remember(cache, ask('How can I reset my passwords?')); // 0.910
    // Gone from L3 behind this instance's back (a lost removal message) and not in L1.
    await w.entries.remove('tenant-a', [best.id], 'test');
    cache.l1.clear();
    const found = await cache.lookup(ask(PARAPHRASE));
    expect(found.status).toBe('SEMANTIC_HIT');
    if (found.status !== 'SEMANTIC_HIT') return;
    expect(found.entry.id).toBe(next.id);
    expect(cache.index.get(best.id)).toBeUndefined();
    expect(cache.stats().entries).toBe(1);
  });

  test('an L3 entry whose vector does not fit this embedder serves exact hits only and breaks nothing', async () => {
    const w = newWorld();
    const writer = w.cache();
    const original = writer.key(ask(ORIGINAL));
    const key = writer.key(ask('How do I reset my password!'));
    if (!original.cacheable || !original.semantic || !key.cacheable) throw new Error('expected semantic keys');
    const partition = original.semantic.partition;
    // Claims this embedder and this partition, but holds a 3-dimensional (unit) vector: the first in its partition.
    await w.entries.insert({
      id: 'odd-vector',
      tenant: 'tenant-a',
      namespace: 'default',
      partition,
      exactKey: key.exactKey,
      model: 'deepseek-chat',
      embedderModelId: new FakeEmbedder().modelId,
      embedding: new Float32Array([0.6, 0.8, 0]),
      promptText: 'How do I reset my password!',
      answer: answer('odd'),
      createdAt: new Date(T0),
      expiresAt: new Date(T0 + 3_600_000),
    });
    await remember(writer, ask(ORIGINAL));

    const reader = w.cache();
    expect(await reader.reconcile()).toBe(2);
    expect(reader.stats().entries).toBe(2);
    expect(statusOf(await reader.lookup(ask(PARAPHRASE)))).toBe('SEMANTIC_HIT');
    const exact = await reader.lookup(ask('How do I reset my password!'));
    expect(exact.status).toBe('HIT');
    if (exact.status === 'HIT') expect(exact.entry.id).toBe('odd-vector');
  });

  test('an L3 that fails to read makes a MISS, not a failed request', async () => {
    const w = newWorld();
    let broken = false;
    const flaky: EntryStore = {
      ...w.memoryEntries,
      get: (id) => (broken ? Promise.reject(new Error('connection reset')) : w.memoryEntries.get(id)),
    };
    const cache = w.cache({ entries: flaky });
    await remember(cache, ask(ORIGINAL));
    cache.l1.clear();
    broken = true;
    expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask(PARAPHRASE)))).toBe('MISS');
  });
});

describe('semantic cache layers and expiry', () => {
  test('serves from the shared L2 an entry this instance has never indexed, without reading L3', async () => {
    const w = newWorld();
    const l2 = createMemoryExactCache({ now: w.now });
    const a = w.cache({ l2 });
    const entry = await remember(a, ask(ORIGINAL));

    let l3Reads = 0;
    const counted: EntryStore = {
      ...w.memoryEntries,
      get: (id) => (l3Reads++, w.memoryEntries.get(id)),
      getByExactKey: (key) => (l3Reads++, w.memoryEntries.getByExactKey(key)),
    };
    const b = w.cache({ l2, entries: counted });
    const found = await b.lookup(ask(ORIGINAL));
    expect(found.status).toBe('HIT');
    if (found.status === 'HIT') expect(found.entry.id).toBe(entry.id);
    expect(l3Reads).toBe(0);

    // Without the L2 a fresh instance that has not reconciled knows nothing of the entry.
    expect(statusOf(await w.cache().lookup(ask(ORIGINAL)))).toBe('MISS');
  });

  test('stops serving an entry once its absolute expiry has passed, exactly or semantically, and sweep removes it', async () => {
    const w = newWorld();
    const l2 = createMemoryExactCache({ now: w.now });
    const cache = w.cache({ ttlSeconds: 60, l2 });
    await remember(cache, ask(ORIGINAL));
    w.advance(59_999);
    expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('HIT');
    expect(statusOf(await cache.lookup(ask(PARAPHRASE)))).toBe('SEMANTIC_HIT');

    w.advance(1);
    expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask(PARAPHRASE)))).toBe('MISS');

    await remember(cache, ask('What is the capital of France?'));
    await cache.sweep();
    expect(cache.stats().entries).toBe(1);
    w.advance(60_000);
    await cache.sweep();
    expect(cache.stats()).toMatchObject({ entries: 0, l1Entries: 0 });
    expect(await w.memoryEntries.purgeExpired(new Date(w.now()))).toBe(0);
  });

  test('judges expiry by its own clock even when L3 still returns the row', async () => {
    const w = newWorld();
    // An L3 whose clock lags far behind this instance's.
    const lagging = createMemoryEntryStore({ now: () => T0 });
    const cache = w.cache({ ttlSeconds: 60, entries: lagging });
    await remember(cache, ask(ORIGINAL));
    w.advance(120_000);
    cache.l1.clear();
    expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('MISS');
    expect(statusOf(await cache.lookup(ask(PARAPHRASE)))).toBe('MISS');
  });

  test('a hit never extends the entry’s life', async () => {
    const w = newWorld();
    const cache = w.cache({ ttlSeconds: 60 });
    const entry = await remember(cache, ask(ORIGINAL));
    for (let i = 0; i < 5; i++) {
      w.advance(10_000);
      expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('HIT');
    }
    w.advance(10_000);
    expect(statusOf(await cache.lookup(ask(ORIGINAL)))).toBe('MISS');
    expect(entry.expiresAt.getTime()).toBe(T0 + 60_000);
  });
});

describe('semantic cache across instances', () => {
  const quiet = { reconcileIntervalMs: 3_600_000, sweepIntervalMs: 3_600_000 };

  async function pair() {
    const w = newWorld();
    const network = createMemoryBusNetwork();
    const busA = network.connect({ instanceId: 'instance-a' });
    const busB = network.connect({ instanceId: 'instance-b' });
    const a = w.cache({ bus: busA });
    const b = w.cache({ bus: busB });
    await a.start(quiet);
    await b.start(quiet);
    return { w, network, busA, busB, a, b };
  }

  test('a refreshed answer stored with replace supersedes the live entry, on every instance', async () => {
    const { a, b } = await pair();
    const first = await remember(a, ask(ORIGINAL), 'old answer');
    await waitFor(() => b.index.get(first.id) !== undefined, { what: 'B to index the first entry' });
    const found = await a.lookup(ask(ORIGINAL, { mode: 'refresh' }));
    if (found.status !== 'REFRESH') throw new Error('expected REFRESH');
    const second = await a.store(found.key, answer('new answer'), undefined, { replace: true });
    expect(second?.id).not.toBe(first.id);
    for (const cache of [a, b]) {
      await waitFor(() => cache.index.get(first.id) === undefined && cache.index.get(second!.id) !== undefined, { what: 'the old entry to be replaced' });
      const hit = await cache.lookup(ask(ORIGINAL));
      expect(hit).toMatchObject({ status: 'HIT', entry: { id: second!.id } });
    }
    expect(a.stats()).toMatchObject({ entries: 1 });
  });

  test('reconcile picks up a change that became visible after a higher version was read', async () => {
    const w = newWorld();
    const writer = w.cache();
    const late = await remember(writer, ask(ORIGINAL));
    await remember(writer, ask('Where do I pay the dog tax?'));
    // The first entry's transaction has not committed yet: readers do not see its (lower) version.
    let hidden: string | undefined = late.id;
    const entries: EntryStore = {
      ...w.entries,
      async changesSince(version, limit) {
        const changes = await w.entries.changesSince(version, limit);
        return { ...changes, upserts: changes.upserts.filter((e) => e.id !== hidden) };
      },
    };
    const reader = w.cache({ entries });
    await reader.reconcile();
    expect(reader.index.get(late.id)).toBeUndefined();
    hidden = undefined;
    await reader.reconcile();
    expect(reader.index.get(late.id)).toBeDefined();
    expect(reader.stats().entries).toBe(2);
  });

  test('an entry stored on one instance is served by another after the upsert event', async () => {
    const { a, b } = await pair();
    const entry = await remember(a, ask(ORIGINAL));
    await waitFor(() => b.index.get(entry.id) !== undefined, { what: 'B to index the entry' });
    const exact = await b.lookup(ask(ORIGINAL));
    expect(exact.status).toBe('HIT');
    const semantic = await b.lookup(ask(PARAPHRASE));
    expect(semantic.status).toBe('SEMANTIC_HIT');
    if (semantic.status === 'SEMANTIC_HIT') expect(semantic.entry.id).toBe(entry.id);
  });

  test('a removal, a flush or a wrong-hit report on one instance makes the others miss', async () => {
    const { w, a, b } = await pair();
    const evict = {
      remove: (id: string) => a.remove('tenant-a', [id], 'admin'),
      flush: () => a.flush('tenant-a', 'default'),
      report: (id: string) => a.reportWrongHit('tenant-a', id),
    };
    for (const [how, run] of Object.entries(evict)) {
      const entry = await remember(a, ask(ORIGINAL));
      await waitFor(() => b.index.get(entry.id) !== undefined, { what: `B to index the entry (${how})` });
      // B serves it, so B's L1 holds it: only the event can make B forget.
      expect(statusOf(await b.lookup(ask(ORIGINAL)))).toBe('HIT');
      expect(statusOf(await b.lookup(ask(PARAPHRASE)))).toBe('SEMANTIC_HIT');
      await run(entry.id);
      await waitFor(() => b.index.get(entry.id) === undefined, { what: `B to drop the entry (${how})` });
      expect(statusOf(await b.lookup(ask(ORIGINAL)))).toBe('MISS');
      expect(statusOf(await b.lookup(ask(PARAPHRASE)))).toBe('MISS');
    }
    expect(a.stats().wrongHitReports).toBe(1);
    expect(w.memoryEntries.feedback).toHaveLength(1);
    expect(w.memoryEntries.feedback[0]).toMatchObject({ tenant: 'tenant-a', correct: false });
  });

  test('a flush or a wrong-hit report from another tenant leaves the entry alone', async () => {
    const { a, b } = await pair();
    const entry = await remember(a, ask(ORIGINAL));
    await waitFor(() => b.index.get(entry.id) !== undefined, { what: 'B to index the entry' });
    expect(await a.reportWrongHit('tenant-b', entry.id)).toBe(false);
    expect(await a.flush('tenant-b')).toBe(0);
    await Bun.sleep(5);
    expect(statusOf(await a.lookup(ask(ORIGINAL)))).toBe('HIT');
    expect(statusOf(await b.lookup(ask(ORIGINAL)))).toBe('HIT');
  });

  test('catches up from L3 after a reconnect: stores and removals missed while disconnected', async () => {
    const { network, busB, a, b } = await pair();
    network.disconnect(busB);
    const entry = await remember(a, ask(ORIGINAL));
    await Bun.sleep(5);
    expect(b.index.get(entry.id)).toBeUndefined();
    expect(statusOf(await b.lookup(ask(ORIGINAL)))).toBe('MISS');

    const reconcilesBefore = b.stats().reconciles;
    network.restore(busB);
    await waitFor(() => b.stats().reconciles > reconcilesBefore, { what: 'B to reconcile' });
    expect(statusOf(await b.lookup(ask(ORIGINAL)))).toBe('HIT');
    expect(statusOf(await b.lookup(ask(PARAPHRASE)))).toBe('SEMANTIC_HIT');

    // B now holds the entry in L1; a removal it never hears about is applied by the next reconcile.
    network.disconnect(busB);
    await a.remove('tenant-a', [entry.id], 'admin');
    await Bun.sleep(5);
    network.restore(busB);
    await waitFor(() => b.index.get(entry.id) === undefined, { what: 'B to apply the missed removal' });
    expect(statusOf(await b.lookup(ask(ORIGINAL)))).toBe('MISS');
  });

  test('an entry announced while an instance is loading is not lost', async () => {
    const w = newWorld();
    const network = createMemoryBusNetwork();
    const a = w.cache({ bus: network.connect({ instanceId: 'instance-a' }) });
    await a.start(quiet);
    let stored: Promise<{ id: string }> | undefined;
    // B's first read of L3 sees the table before A's store; the announcement arrives while that read is running.
    const racing: EntryStore = {
      ...w.memoryEntries,
      async changesSince(version, limit) {
        const changes = await w.memoryEntries.changesSince(version, limit);
        stored ??= remember(a, ask(ORIGINAL));
        await stored;
        await Bun.sleep(1);
        return changes;
      },
    };
    const b = w.cache({ bus: network.connect({ instanceId: 'instance-b' }), entries: racing });
    await b.start(quiet);
    const { id } = await stored!;
    await waitFor(() => b.index.get(id) !== undefined, { what: 'B to index the entry announced during its start' });
    expect(statusOf(await b.lookup(ask(ORIGINAL)))).toBe('HIT');
  });

  test('a new instance loads every live entry from L3 when it starts', async () => {
    const w = newWorld();
    const a = w.cache();
    for (let i = 0; i < 3; i++) await remember(a, ask(`${ORIGINAL} (${i})`));
    w.advance(1);
    const b = w.cache();
    await b.start(quiet);
    expect(b.stats().entries).toBe(3);
    expect(statusOf(await b.lookup(ask(`${ORIGINAL} (1)`)))).toBe('HIT');
  });
});
