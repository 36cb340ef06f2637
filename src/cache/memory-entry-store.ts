/** EntryStore in memory: the test double, with the same contract as the Drizzle adapter. */
import type { CacheEntry } from './cache-entry';
import { pageEnd, type EntryStore, type RemovedEntry } from './entry-store';

interface Versioned {
  entry: CacheEntry;
  version: number;
  hits: number;
}

export function createMemoryEntryStore(options: { now?: () => number } = {}): EntryStore & { feedback: Array<{ tenant: string; entryId: string; correct: boolean }> } {
  const now = options.now ?? Date.now;
  const byId = new Map<string, Versioned>();
  const removals: Array<{ entryId: string; tenant: string; version: number; at: number }> = [];
  const feedback: Array<{ tenant: string; entryId: string; correct: boolean }> = [];
  let version = 0;
  const live = (v: Versioned | undefined) => (v && v.entry.expiresAt.getTime() > now() ? v : undefined);

  function removeMatching(tenant: string, match: (e: CacheEntry) => boolean): RemovedEntry[] {
    const removed: RemovedEntry[] = [];
    for (const [id, v] of byId) {
      if (v.entry.tenant !== tenant || !match(v.entry)) continue;
      byId.delete(id);
      removals.push({ entryId: id, tenant, version: ++version, at: now() });
      removed.push({ id, exactKey: v.entry.exactKey });
    }
    return removed;
  }

  return {
    feedback,
    async insert(entry) {
      const existing = [...byId.values()].find((v) => v.entry.exactKey === entry.exactKey);
      if (existing && live(existing)) return { entry: existing.entry, created: false };
      if (existing) byId.delete(existing.entry.id);
      byId.set(entry.id, { entry, version: ++version, hits: 0 });
      return { entry, created: true };
    },
    get: async (id) => live(byId.get(id))?.entry,
    getByExactKey: async (exactKey) => live([...byId.values()].find((v) => v.entry.exactKey === exactKey))?.entry,
    async recordHits(ids) {
      for (const id of ids) {
        const v = byId.get(id);
        if (v) v.hits += 1;
      }
    },
    remove: async (tenant, ids) => removeMatching(tenant, (e) => ids.includes(e.id)),
    flush: async (tenant, namespace) => removeMatching(tenant, (e) => namespace === undefined || e.namespace === namespace),
    async changesSince(since, limit) {
      const upserts = [...byId.values()].filter((v) => v.version > since && live(v)).sort((a, b) => a.version - b.version).slice(0, limit);
      const removed = removals.filter((r) => r.version > since).slice(0, limit);
      const end = pageEnd(since, limit, [...upserts.map((v) => v.version), ...removed.map((r) => r.version)]);
      return {
        upserts: upserts.filter((v) => v.version <= end).map((v) => v.entry),
        removals: removed.filter((r) => r.version <= end).map(({ entryId, tenant }) => ({ entryId, tenant })),
        version: end,
      };
    },
    async purgeExpired(at) {
      let purged = 0;
      for (const [id, v] of byId) {
        if (v.entry.expiresAt.getTime() <= at.getTime()) {
          byId.delete(id);
          purged += 1;
        }
      }
      return purged;
    },
    async recordFeedback(tenant, entryId, correct) {
      feedback.push({ tenant, entryId, correct });
    },
  };
}
