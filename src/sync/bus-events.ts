/**
 * The bus wire format, version 1: the single source of truth for event types, their payloads and their bounds.
 *
 * Every message is an envelope `{ v, type, instanceId, id, ts, data }`. Receivers validate every message because
 * the channel is shared with other deployments' versions, other tools and, in the worst case, a hostile writer:
 * a message that does not parse is dropped, never thrown. Bounds on every string and array cap what one message
 * can make a receiver allocate or do.
 *
 * Evolving the format: adding an optional field is compatible (unknown fields are stripped, not rejected, so an
 * older instance accepts a newer instance's v1 messages during a rolling deploy). Changing or removing a field is
 * a new `v`, which older instances drop as malformed.
 */
import { z } from 'zod';

export const BUS_PROTOCOL_VERSION = 1;

/** Raw messages longer than this are dropped before JSON.parse: a full `cache.remove` of 1000 ids fits easily. */
export const MAX_MESSAGE_CHARS = 256 * 1024;
export const MAX_REMOVE_IDS = 1000;
/** Deltas are coalesced by the sender over a short window; 32k characters is far above one window's worth. */
export const MAX_DELTA_CHARS = 32 * 1024;

const id = z.string().min(1).max(128);
const label = z.string().min(1).max(64);

const usage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});

/** Payloads are ids, not rows: Postgres is the source of truth and receivers load the row themselves. */
const cacheUpsert = z.object({
  tenant: id,
  entryId: id,
  /** Semantic partition; absent for exact-only entries, which live in no vector index. */
  partition: z.string().min(1).max(256).optional(),
  /** The embedder model the entry's vector belongs to; absent with `partition`. */
  modelId: z.string().min(1).max(256).optional(),
});

const cacheRemove = z.object({
  tenant: id,
  entryIds: z.array(id).min(1).max(MAX_REMOVE_IDS),
  /** Why, for logs and counters only (e.g. `deleted`, `feedback`, `expired`): a free label so that a new reason
   * from a newer instance does not make older ones drop the removal. */
  reason: label,
});

const cacheFlush = z.object({
  tenant: id,
  /** Flush one namespace only; absent flushes the tenant's whole cache. */
  namespace: z.string().min(1).max(128).optional(),
});

const sessionDelta = z.object({
  sessionId: id,
  turnId: id,
  text: z.string().max(MAX_DELTA_CHARS),
  /** Per-turn sequence number, from 0: handlers are not awaited, so receivers order and de-duplicate by it. */
  seq: z.number().int().nonnegative(),
});

const sessionDone = z.object({
  sessionId: id,
  turnId: id,
  cache: z.enum(['HIT', 'SEMANTIC_HIT', 'MISS', 'BYPASS', 'REFRESH']),
  similarity: z.number().min(-1).max(1).optional(),
  usage: usage.optional(),
  /** Deltas the turn published (its last `seq` + 1), so a receiver can tell that the tail was lost. */
  deltas: z.number().int().nonnegative().optional(),
});

const sessionError = z.object({
  sessionId: id,
  turnId: id,
  code: label,
  message: z.string().max(1024),
});

/** Sent every few seconds by each instance, so that others can tell when it is gone (see session-fanout.ts). */
const instanceAlive = z.object({});

const envelope = {
  v: z.literal(BUS_PROTOCOL_VERSION),
  /** The publishing instance; receivers drop messages carrying their own id (echoes). */
  instanceId: id,
  /** Unique per message, for tracing and de-duplication. */
  id: id,
  /** Publish time, ms since the epoch: lets receivers measure cross-instance latency. */
  ts: z.number().int().nonnegative(),
};

export const busMessageSchema = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('cache.upsert'), data: cacheUpsert }),
  z.object({ ...envelope, type: z.literal('cache.remove'), data: cacheRemove }),
  z.object({ ...envelope, type: z.literal('cache.flush'), data: cacheFlush }),
  z.object({ ...envelope, type: z.literal('session.delta'), data: sessionDelta }),
  z.object({ ...envelope, type: z.literal('session.done'), data: sessionDone }),
  z.object({ ...envelope, type: z.literal('session.error'), data: sessionError }),
  z.object({ ...envelope, type: z.literal('instance.alive'), data: instanceAlive }),
]);

/** A message as received: the event plus its envelope. Narrow on `type` to get the matching `data`. */
export type BusMessage = z.infer<typeof busMessageSchema>;
export type BusEventType = BusMessage['type'];
type ToEvent<M> = M extends { type: infer T; data: infer D } ? { type: T; data: D } : never;
/** What a publisher hands to `Bus.publish`; the bus adds the envelope. */
export type BusEvent = ToEvent<BusMessage>;
export type BusMessageOf<T extends BusEventType> = Extract<BusMessage, { type: T }>;

export type DecodeResult =
  | { status: 'OK'; message: BusMessage }
  | { status: 'TOO_LARGE'; length: number }
  | { status: 'NOT_JSON' }
  | { status: 'INVALID'; paths: string[] };

/** Decodes one raw message and says why it failed, without echoing any of its content. Never throws. */
export function decodeBusMessage(raw: string): DecodeResult {
  if (typeof raw !== 'string') return { status: 'NOT_JSON' };
  if (raw.length > MAX_MESSAGE_CHARS) return { status: 'TOO_LARGE', length: raw.length };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // Also covers RangeError from pathologically deep nesting.
    return { status: 'NOT_JSON' };
  }
  const parsed = busMessageSchema.safeParse(json);
  if (!parsed.success) return { status: 'INVALID', paths: issuePaths(parsed.error) };
  return { status: 'OK', message: parsed.data };
}

/** The message, or undefined when it is malformed in any way. Never throws. */
export function parseBusMessage(raw: string): BusMessage | undefined {
  const result = decodeBusMessage(raw);
  return result.status === 'OK' ? result.message : undefined;
}

/** Issue locations only (e.g. `data.entryIds`), at most five: values stay out of logs. */
export function issuePaths(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((issue) => issue.path.map(String).join('.') || '(root)');
}
