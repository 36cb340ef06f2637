/**
 * Semantic cache tables. Postgres is the source of truth for cache entries with their embeddings; every
 * in-process index and LRU is a rebuildable copy. Every change takes a number from one sequence
 * (`cache_version_seq`): upserts stamp `cache_entries.version`, removals append to `cache_removals`, so an instance
 * that missed bus messages reconciles by reading everything with a version above the last one it saw.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, pgSequence, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const cacheVersionSeq = pgSequence('cache_version_seq');

const nextVersion = () => bigint('version', { mode: 'number' }).notNull().default(sql`nextval('cache_version_seq')`);

/** A unit-length float32 vector stored as raw little-endian bytes: 4 bytes a dimension, no parsing. */
export const vector = customType<{ data: Float32Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  fromDriver: (value) => {
    // A length that is not whole floats is corrupt: decode to an empty vector, which fails the dimension check
    // and is skipped, instead of throwing inside a query that reads many rows.
    if (value.byteLength % 4 !== 0) return new Float32Array(0);
    // Copy into a fresh, aligned buffer: driver buffers may be pooled slices at odd offsets.
    const bytes = new Uint8Array(value.byteLength);
    bytes.set(value);
    return new Float32Array(bytes.buffer);
  },
});

/** What is replayed on a hit: the assistant's text and how the upstream call that produced it ended. */
export interface CachedAnswer {
  content: string;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
}

const answer = customType<{ data: CachedAnswer; driverData: unknown }>({
  dataType: () => 'jsonb',
  toDriver: (value) => JSON.stringify(value),
  // Both drivers already parse jsonb, so a string here is a JSON string value: not an answer, but it must not throw
  // (one bad row would fail every query that reads it, reconciles included); the store's validation skips it.
  fromDriver: (value) => value as CachedAnswer,
});

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const cacheEntries = pgTable(
  'cache_entries',
  {
    id: text('id').primaryKey(),
    tenant: text('tenant').notNull(),
    /** Client-chosen sub-cache (`x-cache-namespace`), flushed on its own. */
    namespace: text('namespace').notNull().default('default'),
    /** Hash of tenant, namespace, model, parameters, earlier turns and embedder: semantic search stays inside it. */
    partition: text('partition').notNull(),
    /** Hash of everything that decides the answer; unique, so concurrent stores of one answer keep one row. */
    exactKey: text('exact_key').notNull().unique('cache_entries_exact_key_key'),
    model: text('model').notNull(),
    /** Null for exact-only entries (no embedding, e.g. non-text prompts). */
    embedderModelId: text('embedder_model_id'),
    dimensions: integer('dimensions'),
    embedding: vector('embedding'),
    /** The last user message, compared with a query by the second-stage verifier. */
    promptText: text('prompt_text').notNull(),
    answer: answer('answer').notNull(),
    hitCount: integer('hit_count').notNull().default(0),
    lastHitAt: at('last_hit_at'),
    createdAt: at('created_at').notNull().defaultNow(),
    /** Absolute: hits never extend it. */
    expiresAt: at('expires_at').notNull(),
    version: nextVersion(),
  },
  (t) => [
    index('cache_entries_tenant_namespace_idx').on(t.tenant, t.namespace),
    index('cache_entries_version_idx').on(t.version),
    index('cache_entries_expires_at_idx').on(t.expiresAt),
  ],
);

export const cacheRemovals = pgTable(
  'cache_removals',
  {
    version: nextVersion().primaryKey(),
    entryId: text('entry_id').notNull(),
    tenant: text('tenant').notNull(),
    reason: text('reason').notNull(),
    removedAt: at('removed_at').notNull().defaultNow(),
  },
  (t) => [index('cache_removals_removed_at_idx').on(t.removedAt)],
);

/** Wrong hits reported by clients: the evidence for tuning thresholds and verifier rules. */
export const cacheFeedback = pgTable('cache_feedback', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  entryId: text('entry_id').notNull(),
  tenant: text('tenant').notNull(),
  correct: boolean('correct').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
});

export type CacheEntryRow = typeof cacheEntries.$inferSelect;
export type NewCacheEntryRow = typeof cacheEntries.$inferInsert;
