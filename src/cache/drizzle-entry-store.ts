/** EntryStore over Drizzle: the same code on the postgres.js pool and on PGlite. */
import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { cacheEntries, cacheFeedback, cacheRemovals, type CacheEntryRow } from '../../db/schema';
import type { CacheEntry } from './cache-entry';
import { pageEnd, type EntryChanges, type EntryStore, type RemovedEntry } from './entry-store';

export interface DrizzleEntryStoreOptions {
  db: Db;
  onCorrupt?: (entryId: string, problem: string) => void;
  /** Removal records older than this are purged; instances offline longer rebuild from scratch. */
  removalRetentionMs?: number;
}

export function createDrizzleEntryStore(options: DrizzleEntryStoreOptions): EntryStore {
  const { db } = options;
  const retentionMs = options.removalRetentionMs ?? 7 * 86_400_000;
  const live = () => gt(cacheEntries.expiresAt, sql`now()`);

  function toEntry(row: CacheEntryRow): CacheEntry | undefined {
    const problem = validate(row);
    if (problem) {
      options.onCorrupt?.(row.id, problem);
      return undefined;
    }
    return {
      id: row.id,
      tenant: row.tenant,
      namespace: row.namespace,
      partition: row.embedding ? row.partition : undefined,
      exactKey: row.exactKey,
      model: row.model,
      embedderModelId: row.embedderModelId ?? undefined,
      embedding: row.embedding ?? undefined,
      promptText: row.promptText,
      answer: row.answer,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
    };
  }

  async function one(where: ReturnType<typeof and>): Promise<CacheEntry | undefined> {
    try {
      const [row] = await db.select().from(cacheEntries).where(where).limit(1);
      return row && toEntry(row);
    } catch (error) {
      // A row whose bytes cannot even be decoded by the driver layer.
      options.onCorrupt?.('unknown', error instanceof Error ? error.message : 'decode failed');
      return undefined;
    }
  }

  async function removeWhere(tenant: string, where: ReturnType<typeof and>, reason: string): Promise<RemovedEntry[]> {
    return db.transaction(async (tx) => {
      const removed = await tx.delete(cacheEntries).where(where).returning({ id: cacheEntries.id, exactKey: cacheEntries.exactKey });
      if (removed.length > 0) await tx.insert(cacheRemovals).values(removed.map((r) => ({ entryId: r.id, tenant, reason })));
      return removed;
    });
  }

  return {
    async insert(entry) {
      const values = {
        id: entry.id,
        tenant: entry.tenant,
        namespace: entry.namespace,
        partition: entry.partition ?? '',
        exactKey: entry.exactKey,
        model: entry.model,
        embedderModelId: entry.embedderModelId ?? null,
        dimensions: entry.embedding?.length ?? null,
        embedding: entry.embedding ?? null,
        promptText: entry.promptText,
        answer: entry.answer,
        createdAt: entry.createdAt,
        expiresAt: entry.expiresAt,
      };
      // An expired row that the purge has not reached yet still holds the exact key: replace it (with a new version,
      // so other instances learn the new id) instead of answering "exists" with a row nobody may read. A live row
      // is left alone, so concurrent stores of one answer keep one entry.
      const inserted = await db
        .insert(cacheEntries)
        .values(values)
        .onConflictDoUpdate({
          target: cacheEntries.exactKey,
          set: { ...values, hitCount: 0, lastHitAt: null, version: sql`nextval('cache_version_seq')` },
          setWhere: lte(cacheEntries.expiresAt, sql`now()`),
        })
        .returning({ id: cacheEntries.id });
      if (inserted.length > 0) return { entry, created: true };
      const existing = await one(and(eq(cacheEntries.exactKey, entry.exactKey), live()));
      return existing ? { entry: existing, created: false } : { entry, created: false };
    },

    get: (id) => one(and(eq(cacheEntries.id, id), live())),

    getByExactKey: (exactKey) => one(and(eq(cacheEntries.exactKey, exactKey), live())),

    async recordHits(ids) {
      if (ids.length === 0) return;
      await db
        .update(cacheEntries)
        .set({ hitCount: sql`${cacheEntries.hitCount} + 1`, lastHitAt: sql`now()` })
        .where(inArray(cacheEntries.id, [...ids]));
    },

    async remove(tenant, ids, reason) {
      if (ids.length === 0) return [];
      return removeWhere(tenant, and(eq(cacheEntries.tenant, tenant), inArray(cacheEntries.id, [...ids])), reason);
    },

    async flush(tenant, namespace) {
      const where = namespace === undefined ? eq(cacheEntries.tenant, tenant) : and(eq(cacheEntries.tenant, tenant), eq(cacheEntries.namespace, namespace));
      return removeWhere(tenant, where, 'flush');
    },

    async changesSince(version, limit): Promise<EntryChanges> {
      const rows = await db.select().from(cacheEntries).where(and(gt(cacheEntries.version, version), live())).orderBy(asc(cacheEntries.version)).limit(limit);
      const removals = await db
        .select({ entryId: cacheRemovals.entryId, tenant: cacheRemovals.tenant, version: cacheRemovals.version })
        .from(cacheRemovals)
        .where(gt(cacheRemovals.version, version))
        .orderBy(asc(cacheRemovals.version))
        .limit(limit);
      const end = pageEnd(version, limit, [...rows.map((r) => r.version), ...removals.map((r) => r.version)]);
      return {
        upserts: rows
          .filter((r) => r.version <= end)
          .map(toEntry)
          .filter((e): e is CacheEntry => e !== undefined),
        removals: removals.filter((r) => r.version <= end).map(({ entryId, tenant }) => ({ entryId, tenant })),
        version: end,
      };
    },

    async purgeExpired(now) {
      const purged = await db.delete(cacheEntries).where(lte(cacheEntries.expiresAt, now)).returning({ id: cacheEntries.id });
      await db.delete(cacheRemovals).where(lte(cacheRemovals.removedAt, new Date(now.getTime() - retentionMs)));
      return purged.length;
    },

    async recordFeedback(tenant, entryId, correct) {
      await db.insert(cacheFeedback).values({ tenant, entryId, correct });
    },
  };
}

/** Decoding checks: a row that fails one is corrupt and never served. */
function validate(row: CacheEntryRow): string | undefined {
  if (!row.answer || typeof row.answer.content !== 'string') return 'answer is not a cached answer object';
  if (row.embedding) {
    if (row.dimensions === null || row.embedding.length !== row.dimensions) return 'embedding length does not match dimensions';
    let norm = 0;
    for (const x of row.embedding) norm += x * x;
    if (!Number.isFinite(norm) || Math.abs(norm - 1) > 1e-3) return 'embedding is not unit length';
  }
  return undefined;
}
