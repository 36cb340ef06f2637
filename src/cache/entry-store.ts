/**
 * L3, the source of truth for cache entries (Postgres in production, memory in tests).
 *
 * Contract, for every adapter:
 * - `insert` is idempotent per exact key: when a live entry with the same exact key exists, it is returned
 *   unchanged with `created: false` (two instances answering the same question keep one entry).
 * - Reads never return expired entries. Expiry is absolute (`expiresAt`); hits never extend it.
 * - Every insert and removal takes a new version from one increasing sequence; `changesSince(v)` returns every
 *   live entry with a version above `v` (with its embedding) and every removal above `v`, plus the highest
 *   version seen, so an instance that missed bus messages can catch up. A page holds at most `limit` changes and
 *   its version never passes a change it left out: reading on from that version misses nothing.
 * - `remove`/`flush` only touch the named tenant's entries and return what they removed (ids and exact keys,
 *   so the caller can clear the shared L2).
 * - A row that cannot be decoded (corrupt embedding, bad JSON) is skipped and reported through `onCorrupt`,
 *   never thrown to the request path.
 */
import type { CacheEntry } from './cache-entry';

export interface EntryChanges {
  upserts: CacheEntry[];
  removals: Array<{ entryId: string; tenant: string }>;
  version: number;
}

export interface RemovedEntry {
  id: string;
  exactKey: string;
}

export interface EntryStore {
  insert(entry: CacheEntry): Promise<{ entry: CacheEntry; created: boolean }>;
  get(id: string): Promise<CacheEntry | undefined>;
  getByExactKey(exactKey: string): Promise<CacheEntry | undefined>;
  /** Counts hits (best effort; callers do not wait for it on the request path). */
  recordHits(ids: readonly string[]): Promise<void>;
  remove(tenant: string, ids: readonly string[], reason: string): Promise<RemovedEntry[]>;
  flush(tenant: string, namespace?: string): Promise<RemovedEntry[]>;
  changesSince(version: number, limit: number): Promise<EntryChanges>;
  /** Deletes expired rows (and old removal records); returns how many entries went. */
  purgeExpired(now: Date): Promise<number>;
  recordFeedback(tenant: string, entryId: string, correct: boolean): Promise<void>;
}

/**
 * The version a page of changes ends at. Upserts and removals are read as two lists of up to `limit` each; when
 * either list is full, changes above its last version may exist that it could not hold, so the page keeps only the
 * `limit` lowest versions of both lists together and ends at the highest of those (every version comes from one
 * sequence, so none are equal). Reporting the highest version of both lists instead would skip the rest of the
 * fuller list for good.
 */
export function pageEnd(since: number, limit: number, versions: readonly number[]): number {
  if (versions.length === 0 || limit < 1) return since;
  const sorted = [...versions].sort((a, b) => a - b);
  return Math.max(since, sorted[Math.min(limit, sorted.length) - 1]!);
}
