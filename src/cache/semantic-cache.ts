/**
 * The semantic cache: lookup L1 (in-process LRU) → L2 (shared exact-key cache) → L3 exact row → semantic search
 * inside the request's partition, with a second-stage verifier; and store L3 → L2 → L1/index → bus.
 *
 * Invariants: an answer never crosses tenants (tenant is in every key and partition); vectors of different
 * embedders never meet (the embedder id is in the partition); a failing embedder, L2 or L3 read turns into a
 * MISS, never a failed request; every instance's index is a copy of L3 kept current by bus events and by a
 * periodic reconcile, so a lost message costs a missed hit, never a wrong one.
 */
import { randomUUID } from 'node:crypto';
import type { Embedder } from '../../embeddings/embedder';
import type { ChatMessage } from '../llm/llm-provider';
import type { Logger } from '../log';
import type { Bus, BusMessage } from '../sync/bus';
import { approximateBytes, isExpired, withoutEmbedding, type CacheEntry, type CachedAnswer } from './cache-entry';
import { cacheKey, type CacheKeyResult } from './cache-key';
import type { EntryStore } from './entry-store';
import type { ExactCache } from './exact-cache';
import { LruCache } from './lru-cache';
import { SemanticIndex, type PartitionIndex } from './semantic-index';

export type CacheableKey = Extract<CacheKeyResult, { cacheable: true }>;

export interface MatchVerifier {
  verify(query: string, candidate: string): { ok: true } | { ok: false; reason: string; detail?: string };
}

export interface LookupRequest {
  tenant: string;
  namespace: string;
  model: string;
  messages: readonly ChatMessage[];
  params: Record<string, unknown>;
  /** `refresh`: skip reading (cache-control: no-cache) but still compute what a store needs. */
  mode: 'normal' | 'refresh';
  /** Per-request similarity threshold (already validated against the bounds). */
  threshold?: number;
}

export interface LookupTimings {
  embedMs?: number;
  searchMs?: number;
}

export type LookupResult =
  | { status: 'HIT'; entry: CacheEntry; key: CacheableKey; timings: LookupTimings }
  | { status: 'SEMANTIC_HIT'; entry: CacheEntry; similarity: number; key: CacheableKey; timings: LookupTimings }
  | { status: 'MISS' | 'REFRESH'; key: CacheableKey; embedding?: Float32Array; timings: LookupTimings }
  | { status: 'BYPASS'; reason: string; timings: LookupTimings };

export interface SemanticCacheOptions {
  entries: EntryStore;
  l2?: ExactCache;
  embedder?: Embedder;
  verifier?: MatchVerifier;
  bus?: Bus;
  logger: Logger;
  createIndex: (dimensions: number) => PartitionIndex;
  ttlSeconds: number;
  threshold: number;
  l1MaxEntries: number;
  l1MaxBytes?: number;
  /** How many nearest neighbours are verified before giving up. */
  candidates?: number;
  /** Prompts longer than this are matched exactly only: their embedding would cover just a prefix. */
  maxSemanticChars?: number;
  /** False only for the plain-cosine baseline (see cache-key.ts). */
  partitionByContext?: boolean;
  /**
   * The longest a lookup waits for its embedding before it is a MISS (default 5 s). Embedders have deadlines of
   * their own; this one holds even for an adapter that hangs without ever rejecting.
   */
  embedTimeoutMs?: number;
  now?: () => number;
}

export interface CacheStats {
  hits: number;
  semanticHits: number;
  misses: number;
  bypasses: number;
  stores: number;
  embedFailures: number;
  verifierRejections: Record<string, number>;
  wrongHitReports: number;
  entries: number;
  partitions: number;
  l1Entries: number;
  l1Bytes: number;
  reconciles: number;
  /** Lookups answered from the in-process LRU (its measured utility, for self-tuning). */
  l1Hits: number;
}

export interface StoreOptions {
  /** Replace a live entry with the same exact key (a `no-cache` refresh) instead of keeping it. */
  replace?: boolean;
}

export class SemanticCache {
  readonly index: SemanticIndex;
  readonly l1: LruCache<CacheEntry>;
  private lastVersion = 0;
  /** `lastVersion` when the previous reconcile round started; the next round re-reads from there. */
  private previousRoundStart = 0;
  private readonly pendingHits = new Set<string>();
  private readonly counters = { hits: 0, semanticHits: 0, misses: 0, bypasses: 0, stores: 0, embedFailures: 0, wrongHitReports: 0, reconciles: 0, l1Hits: 0 };
  private readonly rejections: Record<string, number> = {};
  private readonly now: () => number;
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private unsubscribe?: () => void;

  constructor(private readonly options: SemanticCacheOptions) {
    this.now = options.now ?? Date.now;
    this.index = new SemanticIndex({ createIndex: options.createIndex });
    this.l1 = new LruCache<CacheEntry>({ maxEntries: options.l1MaxEntries, maxBytes: options.l1MaxBytes ?? 64 * 1024 * 1024, sizeOf: approximateBytes });
  }

  get embedderId(): string {
    return this.options.embedder?.modelId ?? 'none';
  }

  /** Loads every live entry from L3 into the index (before the instance reports ready) and starts upkeep. */
  async start({ reconcileIntervalMs = 30_000, sweepIntervalMs = 60_000 } = {}): Promise<void> {
    // Subscribe before the first read: a change announced while that read runs is then applied twice (harmless),
    // where subscribing after it would lose the change until the next periodic reconcile.
    if (this.options.bus) {
      const bus = this.options.bus;
      const unsubscribe = bus.subscribe((message) => this.onBusMessage(message));
      const unsubscribeReconnect = bus.onReconnect(() => this.reconcile().then(() => undefined));
      this.unsubscribe = () => {
        unsubscribe();
        unsubscribeReconnect();
      };
    }
    await this.reconcile();
    const every = (ms: number, task: () => Promise<unknown>) => {
      const timer = setInterval(() => void task().catch((error) => this.options.logger.warn('cache.upkeep_failed', { error })), ms);
      timer.unref?.();
      this.timers.push(timer);
    };
    every(reconcileIntervalMs, () => this.reconcile());
    every(sweepIntervalMs, () => this.sweep());
    every(1_000, () => this.flushHits());
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.unsubscribe?.();
    await this.flushHits().catch(() => {});
    await this.options.embedder?.close();
  }

  key(request: Omit<LookupRequest, 'mode' | 'threshold'>): CacheKeyResult {
    const result = cacheKey({ ...request, embedderModelId: this.embedderId, partitionByContext: this.options.partitionByContext });
    if (!result.cacheable || !result.semantic) return result;
    const tooLong = result.semantic.text.length > (this.options.maxSemanticChars ?? 2048);
    return this.options.embedder && !tooLong ? result : { ...result, semantic: undefined };
  }

  async lookup(request: LookupRequest): Promise<LookupResult> {
    const timings: LookupTimings = {};
    const key = this.key(request);
    if (!key.cacheable) {
      this.counters.bypasses += 1;
      return { status: 'BYPASS', reason: key.reason, timings };
    }
    if (request.mode === 'refresh') return { status: 'REFRESH', key, timings };

    const exact = await this.exactLookup(key.exactKey);
    if (exact) {
      this.counters.hits += 1;
      this.noteHit(exact.id);
      return { status: 'HIT', entry: exact, key, timings };
    }
    if (!key.semantic) {
      this.counters.misses += 1;
      return { status: 'MISS', key, timings };
    }
    const embedding = await this.embed(key.semantic.text, timings);
    if (!embedding) {
      this.counters.misses += 1;
      return { status: 'MISS', key, timings };
    }
    const searchStarted = performance.now();
    const match = await this.semanticLookup(key, embedding, request.threshold ?? this.options.threshold);
    timings.searchMs = performance.now() - searchStarted;
    if (match) {
      this.counters.semanticHits += 1;
      this.noteHit(match.entry.id);
      return { status: 'SEMANTIC_HIT', entry: match.entry, similarity: match.score, key, timings };
    }
    this.counters.misses += 1;
    return { status: 'MISS', key, embedding, timings };
  }

  /**
   * Stores a complete answer: L3 first (the source of truth), then L2, L1 and the index, then the bus. With
   * `replace` it supersedes the live entry for the same exact key instead of keeping it.
   */
  async store(key: CacheableKey, answer: CachedAnswer, embedding?: Float32Array, options: StoreOptions = {}): Promise<CacheEntry | undefined> {
    if (options.replace) {
      // A refreshed answer supersedes the live entry for this exact request, everywhere; otherwise the insert
      // below would keep the old row (concurrent stores of one answer keep one entry).
      const live = await this.options.entries.getByExactKey(key.exactKey);
      if (live && live.tenant === key.tenant) await this.remove(key.tenant, [live.id], 'refresh');
    }
    const promptText = key.semantic?.text ?? '';
    const vector = key.semantic ? (embedding ?? (await this.embed(key.semantic.text, {}))) : undefined;
    const createdAt = new Date(this.now());
    const candidate: CacheEntry = {
      id: randomUUID(),
      tenant: key.tenant,
      namespace: key.namespace,
      partition: vector ? key.semantic?.partition : undefined,
      exactKey: key.exactKey,
      model: key.model,
      embedderModelId: vector ? this.embedderId : undefined,
      embedding: vector,
      promptText,
      answer,
      createdAt,
      expiresAt: new Date(createdAt.getTime() + this.options.ttlSeconds * 1000),
    };
    const { entry, created } = await this.options.entries.insert(candidate);
    if (!created) return entry;
    this.counters.stores += 1;
    await this.options.l2?.set(entry);
    this.index.add(entry);
    this.l1.set(entry.id, withoutEmbedding(entry));
    await this.options.bus?.publish({
      type: 'cache.upsert',
      data: { tenant: entry.tenant, entryId: entry.id, ...(entry.partition ? { partition: entry.partition, modelId: entry.embedderModelId } : {}) },
    });
    return entry;
  }

  /** Removes entries of one tenant everywhere (L3, L2, every instance's L1 and index). */
  async remove(tenant: string, ids: readonly string[], reason: string): Promise<string[]> {
    const removed = await this.options.entries.remove(tenant, ids, reason);
    await this.forget(removed.map((r) => r.id), removed.map((r) => r.exactKey));
    for (let i = 0; i < removed.length; i += 1000) {
      await this.options.bus?.publish({ type: 'cache.remove', data: { tenant, entryIds: removed.slice(i, i + 1000).map((r) => r.id), reason } });
    }
    return removed.map((r) => r.id);
  }

  async flush(tenant: string, namespace?: string): Promise<number> {
    const removed = await this.options.entries.flush(tenant, namespace);
    await this.forget(removed.map((r) => r.id), removed.map((r) => r.exactKey));
    await this.options.bus?.publish({ type: 'cache.flush', data: { tenant, ...(namespace ? { namespace } : {}) } });
    return removed.length;
  }

  /** A client says a hit was wrong: the entry goes everywhere, and the report is counted and kept. */
  async reportWrongHit(tenant: string, entryId: string): Promise<boolean> {
    const removed = await this.remove(tenant, [entryId], 'feedback');
    if (removed.length === 0) return false;
    this.counters.wrongHitReports += 1;
    await this.options.entries.recordFeedback(tenant, entryId, false);
    return true;
  }

  /**
   * Reads every change since the last one seen and applies it. Safe to run at any time.
   *
   * Versions are drawn from a sequence when a row is written, not when it commits, so a change can become visible
   * after a higher version was already read. Each round therefore re-reads from where the previous round started:
   * a change committed out of order is picked up one round later. Re-applying is harmless: known entries are
   * skipped, removals of absent ones do nothing.
   */
  async reconcile(): Promise<number> {
    let applied = 0;
    let from = Math.min(this.previousRoundStart, this.lastVersion);
    this.previousRoundStart = this.lastVersion;
    for (;;) {
      const changes = await this.options.entries.changesSince(from, 1000);
      for (const entry of changes.upserts) {
        if (this.index.get(entry.id)) continue;
        this.index.add(this.indexable(entry));
        applied += 1;
      }
      for (const removal of changes.removals) {
        if (this.index.get(removal.entryId)) applied += 1;
        this.index.remove(removal.entryId);
        this.l1.delete(removal.entryId);
      }
      const advanced = changes.version > from;
      from = changes.version;
      this.lastVersion = Math.max(this.lastVersion, changes.version);
      // Read until the version stops moving: a page can hold fewer than the limit and still not be the last one
      // (corrupt rows are dropped from it), so its size says nothing.
      if (!advanced) break;
    }
    this.counters.reconciles += 1;
    return applied;
  }

  stats(): CacheStats {
    return {
      ...this.counters,
      verifierRejections: { ...this.rejections },
      entries: this.index.entryCount,
      partitions: this.index.partitionCount,
      l1Entries: this.l1.size,
      l1Bytes: this.l1.byteSize,
    };
  }

  private async exactLookup(exactKey: string): Promise<CacheEntry | undefined> {
    const id = this.index.idForExactKey(exactKey);
    const fromL1 = id ? this.l1.get(id) : undefined;
    if (fromL1 && !isExpired(fromL1, this.now())) {
      this.counters.l1Hits += 1;
      return fromL1;
    }
    const fromL2 = await this.options.l2?.get(exactKey);
    if (fromL2 && !isExpired(fromL2, this.now())) {
      this.l1.set(fromL2.id, fromL2);
      return fromL2;
    }
    // L3 only when this instance knows the key exists: a miss costs no database round trip.
    if (!id) return undefined;
    const fromL3 = await this.readEntry(id);
    if (!fromL3 || fromL3.exactKey !== exactKey) return undefined;
    void this.options.l2?.set(fromL3);
    return fromL3;
  }

  private async semanticLookup(key: CacheableKey, embedding: Float32Array, threshold: number): Promise<{ entry: CacheEntry; score: number } | undefined> {
    const candidates = this.index.search(key.semantic!.partition, embedding, this.options.candidates ?? 5, threshold);
    for (const candidate of candidates) {
      const entry = await this.readEntry(candidate.id);
      // Defence in depth: the partition already filters these, but a wrong answer is the one thing we never risk.
      if (!entry || entry.tenant !== key.tenant || entry.partition !== key.semantic!.partition) continue;
      const verdict = this.options.verifier?.verify(key.semantic!.text, entry.promptText) ?? { ok: true as const };
      if (!verdict.ok) {
        this.rejections[verdict.reason] = (this.rejections[verdict.reason] ?? 0) + 1;
        continue;
      }
      return { entry, score: candidate.score };
    }
    return undefined;
  }

  /** L1 by id, else the L3 row; expired or missing entries leave the index. */
  private async readEntry(id: string): Promise<CacheEntry | undefined> {
    const cached = this.l1.get(id);
    if (cached && !isExpired(cached, this.now())) {
      this.counters.l1Hits += 1;
      return cached;
    }
    const row = await this.options.entries.get(id).catch((error) => {
      this.options.logger.warn('cache.l3_read_failed', { error });
      return undefined;
    });
    // The store judges expiry by its own clock (the database's); this instance's clock decides what it serves.
    if (!row || isExpired(row, this.now())) {
      this.index.remove(id);
      this.l1.delete(id);
      return undefined;
    }
    const light = withoutEmbedding(row);
    this.l1.set(id, light);
    return light;
  }

  private async embed(text: string, timings: LookupTimings): Promise<Float32Array | undefined> {
    const embedder = this.options.embedder;
    if (!embedder) return undefined;
    const started = performance.now();
    const timeoutMs = this.options.embedTimeoutMs ?? 5_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const [vector] = await Promise.race([
        embedder.embed([text]),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`embedding took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return vector;
    } catch (error) {
      this.counters.embedFailures += 1;
      this.options.logger.warn('cache.embed_failed', { error });
      return undefined;
    } finally {
      clearTimeout(timer);
      timings.embedMs = performance.now() - started;
    }
  }

  private async forget(ids: string[], exactKeys: string[]): Promise<void> {
    for (const id of ids) {
      this.index.remove(id);
      this.l1.delete(id);
    }
    await this.options.l2?.delete(exactKeys);
  }

  private async onBusMessage(message: BusMessage): Promise<void> {
    switch (message.type) {
      case 'cache.upsert': {
        // The payload is ids only; the row (with its vector) comes from the source of truth.
        const entry = await this.options.entries.get(message.data.entryId);
        if (!entry) return;
        this.index.add(this.indexable(entry));
        return;
      }
      case 'cache.remove':
        for (const id of message.data.entryIds) {
          const item = this.index.get(id);
          if (item && item.tenant !== message.data.tenant) continue;
          this.index.remove(id);
          this.l1.delete(id);
        }
        return;
      case 'cache.flush':
        for (const id of this.index.idsOf(message.data.tenant, message.data.namespace)) {
          this.index.remove(id);
          this.l1.delete(id);
        }
        return;
      default:
        return;
    }
  }

  /**
   * The entry as the index may hold it: its vector only when this embedder made it and it has this embedder's
   * dimensions; otherwise it serves exact hits only. A vector of another length would make the partition's index
   * throw on every later insert and search (a failed reconcile, failed requests), so it never gets in.
   */
  private indexable(entry: CacheEntry): CacheEntry {
    const { embedding } = entry;
    if (!embedding) return entry;
    const fits = entry.embedderModelId === this.embedderId && embedding.length === this.options.embedder?.dimensions;
    return fits ? entry : { ...entry, embedding: undefined, partition: undefined };
  }

  private noteHit(id: string): void {
    this.pendingHits.add(id);
  }

  private async flushHits(): Promise<void> {
    if (this.pendingHits.size === 0) return;
    const ids = [...this.pendingHits];
    this.pendingHits.clear();
    await this.options.entries.recordHits(ids);
  }

  /** Drops expired entries from the index and L1 and purges them from L3 (runs periodically after `start`). */
  async sweep(): Promise<void> {
    for (const id of this.index.sweep(this.now())) this.l1.delete(id);
    await this.options.entries.purgeExpired(new Date(this.now()));
  }
}
