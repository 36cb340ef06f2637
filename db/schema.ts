/**
 * The gateway's tables (Drizzle pg-core). This file is the single source drizzle-kit reads to generate
 * `db/migrations`; after changing it run `bun run db:generate -- --name <what_changed>` and commit the output.
 * To add tables (the cache tables come next), add them here or in a sibling file re-exported from here: drizzle-kit
 * and `createDb` both pick up every table this module exports.
 *
 * Columns are named explicitly in snake_case so the SQL stays readable without Drizzle's casing option.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, customType, index, integer, numeric, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** OpenAI chat roles a stored message may have; the `messages` table enforces the same list. */
export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** A message body as OpenAI sends it: text, an array of content parts, or null (assistant tool calls). */
export type MessageContent = string | Array<{ type: string; text?: string; [key: string]: unknown }> | null;

/**
 * jsonb that returns exactly what was stored. Drizzle's built-in `jsonb()` re-parses any string the driver hands
 * back, but both postgres.js and PGlite already parse jsonb, so a stored string such as "123" or "true" would come
 * back as a number or a boolean. Here the driver's parsed value is taken as is.
 */
const messageContent = customType<{ data: MessageContent; driverData: unknown }>({
  dataType: () => 'jsonb',
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => value as MessageContent,
});

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const conversations = pgTable(
  'conversations',
  {
    /** A UUID the gateway hands out as `sessionId`; text so that ids minted elsewhere need no migration. */
    id: text('id').primaryKey(),
    tenant: text('tenant').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Maintained under the row lock taken by every append, so it is also the last `seq` handed out. */
    messageCount: integer('message_count').notNull().default(0),
  },
  (t) => [index('conversations_tenant_updated_at_idx').on(t.tenant, t.updatedAt)],
);

export const messages = pgTable(
  'messages',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** Copied from the conversation so per-tenant queries and erasure need no join. */
    tenant: text('tenant').notNull(),
    /** 1-based position in the conversation; the unique index below is also the history lookup path. */
    seq: integer('seq').notNull(),
    role: text('role').$type<MessageRole>().notNull(),
    content: messageContent('content'),
    requestId: text('request_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('messages_conversation_id_seq_idx').on(t.conversationId, t.seq),
    check('messages_role_check', sql.raw(`role in (${MESSAGE_ROLES.map((r) => `'${r}'`).join(', ')})`)),
  ],
);

export const usageRecords = pgTable(
  'usage_records',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Unique so that a batch retried after an ambiguous failure never counts a request twice. */
    requestId: text('request_id').notNull().unique('usage_records_request_id_key'),
    tenant: text('tenant').notNull(),
    /** No foreign key: usage is written asynchronously and must outlive a deleted conversation. */
    conversationId: text('conversation_id'),
    route: text('route').notNull(),
    model: text('model').notNull(),
    cacheStatus: text('cache_status').notNull(),
    upstreamCalled: boolean('upstream_called').notNull(),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    /**
     * Exact decimal dollars: sums over millions of rows must not drift. Scale 10 keeps a single token at the
     * cheapest listed prices (fractions of a dollar per million) representable.
     */
    costUsd: numeric('cost_usd', { precision: 20, scale: 10, mode: 'number' }).notNull().default(0),
    savedCostUsd: numeric('saved_cost_usd', { precision: 20, scale: 10, mode: 'number' }).notNull().default(0),
    latencyMs: integer('latency_ms').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('usage_records_tenant_created_at_idx').on(t.tenant, t.createdAt),
    // Cost analysis across all tenants filters on time only.
    index('usage_records_created_at_idx').on(t.createdAt),
  ],
);

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type UsageRecordRow = typeof usageRecords.$inferSelect;
export type NewUsageRecordRow = typeof usageRecords.$inferInsert;

export * from './cache-schema';
