/**
 * The conversation store port: stored chat sessions (`sessionId` on `/api/v1/chat` and WebSocket turns).
 *
 * Contract, for every adapter:
 * - Tenancy: every call names a tenant and only ever sees that tenant's conversations. Another tenant's
 *   conversation behaves exactly like one that does not exist (`undefined`, or a `not_found` AppError), so ids
 *   cannot be probed across tenants.
 * - Turns are written only after they completed: `appendTurn` stores all messages of one turn (typically the user
 *   message and the assistant reply) atomically. Either every message is stored and the conversation's
 *   `messageCount` / `updatedAt` move, or nothing changes at all.
 * - Order: messages get consecutive 1-based `seq` numbers in the order given. Concurrent `appendTurn` calls on one
 *   conversation are serialised: each turn's messages stay contiguous and no `seq` is used twice.
 * - `history` returns the newest `limit` messages, oldest first, ready to be sent upstream.
 * - Roles are the OpenAI chat roles (MESSAGE_ROLES); content is text, content parts, or null. Content comes back
 *   exactly as stored (a text "123" stays the string "123"), except that NUL characters, which Postgres text and
 *   jsonb cannot hold, are stored as U+FFFD by every adapter (see `storableContent`).
 */
import { MESSAGE_ROLES, type MessageContent, type MessageRole } from '../../db/schema';
import { AppError } from '../errors';

export type { MessageContent, MessageRole };

export interface ConversationSummary {
  id: string;
  tenant: string;
  createdAt: Date;
  updatedAt: Date;
  messageCount: number;
}

/**
 * A stored message as the upstream wants it. A type alias, not an interface, so that it stays assignable to the
 * provider's `ChatMessage` (which has an index signature).
 */
export type StoredMessage = {
  role: MessageRole;
  content: MessageContent;
};

export type TurnMessage = StoredMessage & {
  /** The request that produced the message, to correlate stored rows with logs and usage. */
  requestId: string;
};

export interface AppendTurnInput {
  tenant: string;
  conversationId: string;
  /**
   * True when the caller minted `conversationId` for a new session: the conversation is created by this same
   * transaction. False when the client named an existing session: a missing one is `not_found`.
   */
  createIfMissing: boolean;
  /** At least one message, in conversation order. */
  messages: readonly TurnMessage[];
}

export interface AppendTurnResult {
  conversation: ConversationSummary;
  /** Whether this call created the conversation. */
  created: boolean;
  /** The `seq` given to each message, in input order (consecutive). */
  seqs: number[];
}

export interface ConversationStore {
  /** Starts an empty conversation with a fresh UUID. */
  create(tenant: string): Promise<ConversationSummary>;
  /** The conversation, or `undefined` when it does not exist for this tenant. */
  get(tenant: string, conversationId: string): Promise<ConversationSummary | undefined>;
  /**
   * The newest `limit` messages, oldest first; `[]` for a conversation without messages, `undefined` when the
   * conversation does not exist for this tenant.
   */
  history(tenant: string, conversationId: string, limit: number): Promise<StoredMessage[] | undefined>;
  /**
   * Stores one completed turn atomically (see the contract above). Rejects with a `not_found` AppError when the
   * conversation is missing (and `createIfMissing` is false) or belongs to another tenant; rejects, writing
   * nothing, when a message is invalid (unknown role) or `messages` is empty.
   */
  appendTurn(input: AppendTurnInput): Promise<AppendTurnResult>;
}

export function conversationNotFound(conversationId: string): AppError {
  return new AppError('not_found', `No session '${conversationId.slice(0, 100)}' exists for this API key.`, { param: 'sessionId' });
}

const roles = new Set<string>(MESSAGE_ROLES);

/**
 * Checks what does not need the database. The Drizzle adapter relies on the table's CHECK constraint for roles
 * instead (so a bad row really does fail inside the transaction); the memory adapter calls this for the same effect.
 */
export function assertValidTurn(input: AppendTurnInput, options: { checkRoles: boolean }): void {
  if (input.messages.length === 0) throw new RangeError('appendTurn needs at least one message');
  if (!options.checkRoles) return;
  for (const message of input.messages) {
    if (!roles.has(message.role)) throw new RangeError(`appendTurn got a message with unknown role '${String(message.role).slice(0, 40)}'`);
  }
}

/**
 * Content as every adapter stores it: NUL (U+0000) replaced by U+FFFD in text and in text parts. Postgres rejects
 * NUL in text and jsonb; replacing it keeps a turn the client already paid for instead of failing the write.
 */
export function storableContent(content: MessageContent): MessageContent {
  return withoutNul(content) as MessageContent;
}

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k) as string, withoutNul(v)]));
  return value;
}

/** Clamps a history limit to a non-negative integer (a negative or NaN limit means "none"). */
export function normaliseLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : limit === Infinity ? Number.MAX_SAFE_INTEGER : 0;
}
