/**
 * In-memory ConversationStore for tests and for wiring the chat service without a database. Behaves like the
 * Drizzle adapter: tenant isolation, all-or-nothing turns (everything is validated before anything is written,
 * and JavaScript runs the write without interleaving), consecutive seq numbers.
 */
import { randomUUID } from 'node:crypto';
import {
  assertValidTurn,
  conversationNotFound,
  normaliseLimit,
  storableContent,
  type ConversationStore,
  type ConversationSummary,
  type StoredMessage,
  type TurnMessage,
} from './conversation-store';

export interface MemoryConversationStoreOptions {
  /** Clock for createdAt/updatedAt; tests pass a fake one. */
  now?: () => Date;
}

interface StoredConversation {
  summary: ConversationSummary;
  messages: Array<StoredMessage & { seq: number; requestId: string }>;
}

/** Copies so callers can neither mutate stored state nor observe later changes through a returned object. */
const copySummary = (summary: ConversationSummary): ConversationSummary => ({ ...summary, createdAt: new Date(summary.createdAt), updatedAt: new Date(summary.updatedAt) });
/** A JSON round trip, like jsonb: undefined fields vanish, so both adapters hand back the same values. */
const copyContent = (content: StoredMessage['content']): StoredMessage['content'] =>
  content === null || typeof content === 'string' ? content : (JSON.parse(JSON.stringify(content)) as StoredMessage['content']);

export function createMemoryConversationStore(options: MemoryConversationStoreOptions = {}): ConversationStore {
  const now = options.now ?? (() => new Date());
  const byId = new Map<string, StoredConversation>();
  const owned = (tenant: string, id: string) => {
    const conversation = byId.get(id);
    return conversation?.summary.tenant === tenant ? conversation : undefined;
  };
  const newConversation = (id: string, tenant: string): StoredConversation => {
    const at = now();
    return { summary: { id, tenant, createdAt: at, updatedAt: at, messageCount: 0 }, messages: [] };
  };

  return {
    async create(tenant) {
      const conversation = newConversation(randomUUID(), tenant);
      byId.set(conversation.summary.id, conversation);
      return copySummary(conversation.summary);
    },

    async get(tenant, id) {
      const conversation = owned(tenant, id);
      return conversation && copySummary(conversation.summary);
    },

    async history(tenant, id, limit) {
      const conversation = owned(tenant, id);
      if (!conversation) return undefined;
      const n = normaliseLimit(limit);
      if (n === 0) return [];
      return conversation.messages.slice(-n).map((m) => ({ role: m.role, content: copyContent(m.content) }));
    },

    async appendTurn(input) {
      assertValidTurn(input, { checkRoles: true });
      const { tenant, conversationId: id } = input;
      let conversation = byId.get(id);
      const created = conversation === undefined && input.createIfMissing;
      if (created) conversation = newConversation(id, tenant);
      if (!conversation || conversation.summary.tenant !== tenant) throw conversationNotFound(id);
      const first = conversation.summary.messageCount + 1;
      const seqs = input.messages.map((_, i) => first + i);
      const rows = input.messages.map((m: TurnMessage, i) => ({ role: m.role, content: copyContent(storableContent(m.content)), requestId: m.requestId, seq: seqs[i]! }));
      // Everything that can throw has run: from here the write is one synchronous step.
      if (created) byId.set(id, conversation);
      conversation.messages.push(...rows);
      conversation.summary.messageCount += rows.length;
      conversation.summary.updatedAt = now();
      return { conversation: copySummary(conversation.summary), created, seqs };
    },
  };
}
