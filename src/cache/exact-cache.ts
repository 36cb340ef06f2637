/**
 * L2: a shared exact-key cache (Redis in production). Contract: `get` answers an entry or `undefined` for a miss
 * AND for any trouble (Redis down, slow, corrupt value): L2 is an accelerator and never fails or blocks a
 * request. Entries expire at their absolute `expiresAt`; `set` never extends an entry's life.
 */
import type { CacheEntry } from './cache-entry';

export interface ExactCache {
  get(exactKey: string): Promise<CacheEntry | undefined>;
  set(entry: CacheEntry): Promise<void>;
  delete(exactKeys: readonly string[]): Promise<void>;
  /** Whether the backing store currently answers (for health). */
  healthy(): boolean;
}

/** JSON form of an entry without its vector; dates as epoch milliseconds. */
export function encodeEntry(entry: CacheEntry): string {
  const { embedding: _embedding, createdAt, expiresAt, ...rest } = entry;
  return JSON.stringify({ ...rest, createdAt: createdAt.getTime(), expiresAt: expiresAt.getTime() });
}

export function decodeEntry(raw: string): CacheEntry | undefined {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    const answer = value.answer as Record<string, unknown> | undefined;
    if (typeof value.id !== 'string' || typeof value.exactKey !== 'string' || typeof value.tenant !== 'string') return undefined;
    if (typeof value.promptText !== 'string' || !answer || typeof answer.content !== 'string') return undefined;
    if (typeof value.createdAt !== 'number' || typeof value.expiresAt !== 'number') return undefined;
    return { ...(value as unknown as CacheEntry), createdAt: new Date(value.createdAt), expiresAt: new Date(value.expiresAt) };
  } catch {
    return undefined;
  }
}

export function createMemoryExactCache(options: { now?: () => number } = {}): ExactCache & { readonly size: number } {
  const now = options.now ?? Date.now;
  const map = new Map<string, string>();
  return {
    get size() {
      return map.size;
    },
    async get(exactKey) {
      const raw = map.get(exactKey);
      const entry = raw === undefined ? undefined : decodeEntry(raw);
      if (entry && entry.expiresAt.getTime() > now()) return entry;
      map.delete(exactKey);
      return undefined;
    },
    async set(entry) {
      if (entry.expiresAt.getTime() > now()) map.set(entry.exactKey, encodeEntry(entry));
    },
    async delete(exactKeys) {
      for (const key of exactKeys) map.delete(key);
    },
    healthy: () => true,
  };
}
