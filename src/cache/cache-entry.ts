/** A cached answer and everything needed to decide whether it may be served. */
import type { CachedAnswer } from '../../db/schema';

export type { CachedAnswer };

export interface CacheEntry {
  id: string;
  tenant: string;
  namespace: string;
  /** Semantic partition; undefined for exact-only entries. */
  partition?: string;
  exactKey: string;
  model: string;
  embedderModelId?: string;
  /** Present on entries read from L3 for index rebuilds; L1/L2 copies leave it out. */
  embedding?: Float32Array;
  promptText: string;
  answer: CachedAnswer;
  createdAt: Date;
  expiresAt: Date;
}

export const isExpired = (entry: Pick<CacheEntry, 'expiresAt'>, now = Date.now()) => entry.expiresAt.getTime() <= now;

/** The entry without its vector, as L1 and L2 keep it. */
export function withoutEmbedding(entry: CacheEntry): CacheEntry {
  if (!entry.embedding) return entry;
  const { embedding: _embedding, ...rest } = entry;
  return rest;
}

/** Rough resident size, for the L1 byte bound: strings are UTF-16 in memory. */
export function approximateBytes(entry: CacheEntry): number {
  return 400 + 2 * (entry.promptText.length + entry.answer.content.length + entry.exactKey.length + (entry.partition?.length ?? 0));
}
