/**
 * ConversationStore over Drizzle; the same code runs on the postgres.js pool and on PGlite.
 *
 * Concurrent turns on one conversation are serialised by locking the conversation row (SELECT ... FOR UPDATE)
 * inside the turn's transaction, and `seq` is derived from `message_count` read under that lock. A retry loop on
 * the unique (conversation_id, seq) index would also work, but the lock never wastes a round trip and keeps each
 * turn's messages contiguous.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { conversations, messages, type ConversationRow } from '../../db/schema';
import {
  assertValidTurn,
  conversationNotFound,
  normaliseLimit,
  storableContent,
  type AppendTurnInput,
  type AppendTurnResult,
  type ConversationStore,
  type ConversationSummary,
  type StoredMessage,
} from './conversation-store';

export interface DrizzleConversationStoreOptions {
  db: Db;
}

function toSummary(row: ConversationRow): ConversationSummary {
  return { id: row.id, tenant: row.tenant, createdAt: row.createdAt, updatedAt: row.updatedAt, messageCount: row.messageCount };
}

export function createDrizzleConversationStore(options: DrizzleConversationStoreOptions): ConversationStore {
  const { db } = options;
  const owned = (tenant: string, id: string) => and(eq(conversations.id, id), eq(conversations.tenant, tenant));

  return {
    async create(tenant) {
      const [row] = await db.insert(conversations).values({ id: randomUUID(), tenant }).returning();
      return toSummary(row!);
    },

    async get(tenant, id) {
      const [row] = await db.select().from(conversations).where(owned(tenant, id)).limit(1);
      return row && toSummary(row);
    },

    async history(tenant, id, limit) {
      const [found] = await db.select({ id: conversations.id }).from(conversations).where(owned(tenant, id)).limit(1);
      if (!found) return undefined;
      const n = normaliseLimit(limit);
      if (n === 0) return [];
      const rows: StoredMessage[] = await db
        .select({ role: messages.role, content: messages.content })
        .from(messages)
        .where(and(eq(messages.conversationId, id), eq(messages.tenant, tenant)))
        .orderBy(desc(messages.seq))
        .limit(n);
      return rows.reverse();
    },

    async appendTurn(input: AppendTurnInput): Promise<AppendTurnResult> {
      // Roles are left to the table's CHECK constraint, so an invalid row fails inside the transaction.
      assertValidTurn(input, { checkRoles: false });
      const { tenant, conversationId: id } = input;
      return db.transaction(async (tx) => {
        let created = false;
        if (input.createIfMissing) {
          // DO NOTHING: a concurrent turn may have created it first, or the id may belong to another tenant
          // (then the ownership check below answers not_found).
          const inserted = await tx.insert(conversations).values({ id, tenant }).onConflictDoNothing({ target: conversations.id }).returning({ id: conversations.id });
          created = inserted.length > 0;
        }
        const [locked] = await tx.select({ messageCount: conversations.messageCount }).from(conversations).where(owned(tenant, id)).for('update');
        if (!locked) throw conversationNotFound(id);
        const seqs = input.messages.map((_, i) => locked.messageCount + 1 + i);
        await tx.insert(messages).values(
          input.messages.map((message, i) => ({
            conversationId: id,
            tenant,
            seq: seqs[i]!,
            role: message.role,
            content: storableContent(message.content),
            requestId: message.requestId,
          })),
        );
        const [updated] = await tx
          .update(conversations)
          .set({ messageCount: sql`${conversations.messageCount} + ${input.messages.length}`, updatedAt: sql`now()` })
          .where(eq(conversations.id, id))
          .returning();
        return { conversation: toSummary(updated!), created, seqs };
      });
    },
  };
}
