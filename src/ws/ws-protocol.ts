/**
 * The WebSocket wire protocol, version 1: frame schemas, error codes and close codes in one file (the shape
 * centrifuge-js uses), so client authors and the server read the same list.
 *
 * Client frames are JSON text, validated on receipt. Unknown fields are stripped, not rejected, and `v` is
 * optional (absent means 1): a newer client's v1 frame with an extra optional field still works. Any other `v`
 * is refused with `unsupported_version`. Server frames carry no `v`; new server frame types may appear and
 * clients ignore types they do not know.
 */
import { z } from 'zod';
import { chatCompletionRequestSchema } from '../chat/chat.model';
import type { ErrorCode } from '../errors';
import type { Usage } from '../llm/llm-provider';

export const WS_PROTOCOL_VERSION = 1;

/** RFC 6455 section 7.4.1 close codes the server uses. */
export const CLOSE = {
  /** Server shutting down (after a `shutdown` frame) or going away. */
  GOING_AWAY: 1001,
  /** Sent by Bun itself when a frame exceeds `maxPayloadLength`. */
  MESSAGE_TOO_BIG: 1009,
  /** Frame flood past the hard cap, or a consumer too slow to keep its stream (send dropped). */
  POLICY_VIOLATION: 1008,
  /** A handler failed unexpectedly. */
  INTERNAL_ERROR: 1011,
} as const;

/**
 * Error frame codes: the gateway's AppError codes (upstream_*, model_not_found, not_found, rate_limited,
 * service_unavailable, internal_error, ...) plus the ones only a socket can produce.
 */
export type WsErrorCode =
  | ErrorCode
  | 'unknown_type'
  | 'unsupported_version'
  | 'unsupported_data'
  | 'cancelled'
  | 'slow_consumer'
  | 'limit_exceeded'
  /** A turn relayed from another instance went silent (that instance died or its `done` was lost). */
  | 'turn_lost';

/** Ids are chosen by the client; bounded like the bus' ids so a turn id can travel on the bus. */
const frameId = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const sessionId = z.uuid('must be a session id returned by an earlier turn');
const version = z.literal(WS_PROTOCOL_VERSION).optional();

export const chatFrameSchema = z
  .object({
    v: version,
    type: z.literal('chat'),
    id: frameId,
    message: z.string().trim().min(1, 'must not be empty').max(100_000).optional(),
    messages: chatCompletionRequestSchema.shape.messages.max(1000).optional(),
    sessionId: sessionId.optional(),
    model: z.string().min(1).max(256).optional(),
  })
  .refine((frame) => (frame.message === undefined) !== (frame.messages === undefined), {
    message: 'exactly one of `message` and `messages` is required',
    path: ['message'],
  });

const subscribeFrame = z.object({ v: version, type: z.literal('subscribe'), sessionId });
const unsubscribeFrame = z.object({ v: version, type: z.literal('unsubscribe'), sessionId });
const cancelFrame = z.object({ v: version, type: z.literal('cancel'), id: frameId });
const pingFrame = z.object({ v: version, type: z.literal('ping') });

const schemas = {
  chat: chatFrameSchema,
  subscribe: subscribeFrame,
  unsubscribe: unsubscribeFrame,
  cancel: cancelFrame,
  ping: pingFrame,
} as const;

export type ClientFrameType = keyof typeof schemas;
export type ChatFrame = z.infer<typeof chatFrameSchema>;
export type ClientFrame = { [K in ClientFrameType]: z.infer<(typeof schemas)[K]> }[ClientFrameType];

export interface FrameProblem {
  code: WsErrorCode;
  message: string;
  /** The frame's `id` when it had a usable one, so the client can match the error to its request. */
  id?: string;
  /** The offending field, OpenAI-style (`messages[0].content`). */
  param?: string;
}

export type DecodeResult = { ok: true; frame: ClientFrame } | { ok: false; problem: FrameProblem };

const isClientType = (type: unknown): type is ClientFrameType => typeof type === 'string' && Object.hasOwn(schemas, type);

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** Decodes one received frame. Never throws; problems never echo frame content (beyond a bounded `id`). */
export function decodeClientFrame(raw: string | ArrayBufferView | ArrayBuffer): DecodeResult {
  if (typeof raw !== 'string') return fail({ code: 'unsupported_data', message: 'Binary frames are not supported; send JSON text frames.' });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // Also covers RangeError from pathologically deep nesting.
    return fail({ code: 'invalid_json', message: 'The frame is not valid JSON.' });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return fail({ code: 'invalid_request', message: 'A frame must be a JSON object with a `type`.', param: 'type' });
  }
  const record = json as Record<string, unknown>;
  const id = typeof record.id === 'string' && record.id.length > 0 && record.id.length <= 128 ? record.id : undefined;
  if (record.v !== undefined && record.v !== WS_PROTOCOL_VERSION) {
    return fail({ code: 'unsupported_version', message: `Protocol version ${WS_PROTOCOL_VERSION} is the only one supported.`, param: 'v', id });
  }
  if (!isClientType(record.type)) {
    const message = typeof record.type === 'string' ? `Unknown frame type; expected one of ${Object.keys(schemas).join(', ')}.` : 'A frame needs a string `type`.';
    return fail({ code: typeof record.type === 'string' ? 'unknown_type' : 'invalid_request', message, param: 'type', id });
  }
  const parsed = schemas[record.type].safeParse(record);
  if (parsed.success) return { ok: true, frame: parsed.data as ClientFrame };
  const issue = parsed.error.issues[0]!;
  const param = formatPath(issue.path);
  return fail({ code: 'invalid_request', message: param ? `Invalid value for '${param}': ${issue.message}.` : `Invalid frame: ${issue.message}.`, param: param || undefined, id });
}

const fail = (problem: FrameProblem): DecodeResult => ({ ok: false, problem });

// Server frames. Encoded by hand-built objects and JSON.stringify once per frame: a delta that goes to many
// subscribers is encoded once and the same string sent to each.
export type CacheStatusWire = 'HIT' | 'SEMANTIC_HIT' | 'MISS' | 'BYPASS' | 'REFRESH';

export interface DoneFields {
  cache: CacheStatusWire;
  similarity?: number;
  usage?: Usage;
  /**
   * Only on turns relayed from another instance: part of the text did not reach this subscriber (lost on the bus,
   * or it subscribed mid-turn). The stored session has the whole answer.
   */
  incomplete?: boolean;
}

export const encode = {
  delta: (id: string, sessionId: string, text: string) => JSON.stringify({ type: 'delta', id, sessionId, text }),
  done: (id: string, sessionId: string, fields: DoneFields) =>
    JSON.stringify({ type: 'done', id, sessionId, cache: fields.cache, similarity: fields.similarity, usage: fields.usage, incomplete: fields.incomplete || undefined }),
  error: (problem: FrameProblem & { sessionId?: string; retryAfterMs?: number }) =>
    JSON.stringify({ type: 'error', id: problem.id, sessionId: problem.sessionId, code: problem.code, message: problem.message, param: problem.param, retryAfterMs: problem.retryAfterMs }),
  pong: () => PONG,
  subscribed: (sessionId: string) => JSON.stringify({ type: 'subscribed', sessionId }),
  unsubscribed: (sessionId: string) => JSON.stringify({ type: 'unsubscribed', sessionId }),
  shutdown: (retryAfterMs: number) => JSON.stringify({ type: 'shutdown', retryAfterMs }),
};

const PONG = JSON.stringify({ type: 'pong' });
