/**
 * One chat turn on a socket: load the session's history, stream the answer through the chat service, send it
 * as batched `delta` frames (to the socket, local subscribers and other instances), store the turn only once
 * the answer is complete, and end with exactly one `done` or `error` frame.
 *
 * Backpressure: when Bun queues a write to the socket (send returned -1) the turn stops pulling from the
 * upstream until Bun reports `drain`, so a slow reader holds at most `backpressureLimit` plus one batch, and the
 * upstream (not this process) waits. A turn paused longer than `stallTimeoutMs`, or one whose write was dropped,
 * ends as `slow_consumer` and its socket is closed.
 */
import { randomUUID } from 'node:crypto';
import type { ChatService } from '../chat/chat.service';
import { conversationNotFound, type ConversationStore, type StoredMessage } from '../chat/conversation-store';
import { AppError } from '../errors';
import type { ChatMessage, StreamPart, Usage } from '../llm/llm-provider';
import type { Logger } from '../log';
import type { Connection, TurnHandle } from './connection-state';
import type { DeltaBatcher, DeltaBuffer } from './delta-batcher';
import type { SessionFanout } from './session-fanout';
import type { WsOptions } from './ws-options';
import { encode, type ChatFrame, type WsErrorCode } from './ws-protocol';

export type CancelCode = Parameters<TurnHandle['cancel']>[0];

export interface TurnCounters {
  started: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Times a turn waited for `drain`. */
  pauses: number;
}

export interface TurnEnv {
  chat: ChatService;
  conversations: ConversationStore;
  fanout: SessionFanout;
  batcher: DeltaBatcher;
  logger: Logger;
  options: Readonly<WsOptions>;
  counters: TurnCounters;
  /** Marks a turn in flight (for graceful shutdown); returns its end. */
  begin(): () => void;
  /** The socket cannot keep up: end all its turns and close it. */
  slowConsumer(connection: Connection): void;
}

const INTERRUPTED = Symbol('interrupted');

/** Starts a turn; it runs on its own and reports through frames. The caller has checked the limits. */
export function startTurn(env: TurnEnv, connection: Connection, frame: ChatFrame): void {
  const abort = new AbortController();
  let cancelCode: CancelCode | undefined;
  // The pending await of the turn, rejected by `cancel` so that a stuck upstream cannot delay the error frame.
  let interrupt: ((reason: unknown) => void) | undefined;
  const handle: TurnHandle = {
    cancel(code) {
      if (cancelCode) return;
      cancelCode = code;
      abort.abort(new AppError('client_closed', `turn ${code}`));
      interrupt?.(INTERRUPTED);
    },
  };
  (connection.turns ??= new Map()).set(frame.id, handle);
  env.counters.started++;
  const end = env.begin();

  function interruptible<T>(promise: Promise<T>): Promise<T> {
    if (cancelCode) return Promise.reject(INTERRUPTED);
    return new Promise<T>((resolve, reject) => {
      interrupt = reject;
      // Cleared synchronously on settle: the next interruptible await may install itself before any later job.
      const settle = () => {
        if (interrupt === reject) interrupt = undefined;
      };
      promise.then(
        (value) => (settle(), resolve(value)),
        (error: unknown) => (settle(), reject(error)),
      );
    });
  }

  async function waitForDrain(): Promise<void> {
    const drained = connection.whenDrained();
    if (!drained) return;
    env.counters.pauses++;
    const timer = setTimeout(() => env.slowConsumer(connection), env.options.stallTimeoutMs);
    try {
      await interruptible(drained);
    } finally {
      clearTimeout(timer);
    }
  }

  void run().finally(() => {
    if (connection.turns?.get(frame.id) === handle) connection.turns.delete(frame.id);
    end();
  });

  async function run(): Promise<void> {
    const startedAt = performance.now();
    const { tenant } = connection.principal;
    const turnId = randomUUID();
    const requestId = `req_${turnId.replaceAll('-', '')}`;
    let sessionId = frame.sessionId;
    // Nobody can watch a session that this turn creates: it does not exist anywhere until the turn is stored.
    let shared = false;
    let buffer: DeltaBuffer | undefined;
    let seq = 0;
    let chars = 0;
    let result: Awaited<ReturnType<ChatService['stream']>> | undefined;
    const log = (fields: Record<string, unknown>) =>
      env.logger.info('ws.turn', { requestId, tenant, connection: connection.id, sessionId, newSession: frame.sessionId === undefined, model: result?.model, cache: result?.cache, similarity: result?.similarity, ...result?.timings, deltas: seq, chars, ms: Math.round(performance.now() - startedAt), ...fields });

    try {
      const model = env.chat.resolveModel(frame.model);
      let history: StoredMessage[] = [];
      if (sessionId !== undefined) {
        const stored = await interruptible(env.conversations.history(tenant, sessionId, env.options.historyLimit));
        if (stored === undefined) throw conversationNotFound(sessionId);
        history = stored;
        shared = true;
      } else {
        sessionId = randomUUID();
      }
      const session = { sessionId, turnId };
      const asked: ChatMessage[] = frame.message !== undefined ? [{ role: 'user', content: frame.message }] : (frame.messages as ChatMessage[]);
      const streaming = env.chat.stream({ tenant, requestId, model, messages: [...(history as ChatMessage[]), ...asked], params: {}, signal: abort.signal, route: '/ws' });
      try {
        result = await interruptible(streaming);
      } catch (error) {
        // Abandoned while the service was still waiting for the first part: let that stream run out unread.
        if (error === INTERRUPTED) void streaming.then((late) => drain(late.parts), () => {});
        throw error;
      }

      // Text of a batch that comes after the write that filled Bun's buffer waits for `drain` instead of being
      // sent into a full buffer (where it would be dropped).
      let held = '';
      const batches = env.batcher.open((text) => {
        if (connection.backpressured) {
          held += text;
          return;
        }
        const s = seq++;
        connection.send(encode.delta(frame.id, session.sessionId, text));
        if (shared) env.fanout.publishDelta(session, s, text, connection);
      });
      buffer = batches;
      const resume = async () => {
        await waitForDrain();
        const text = held;
        held = '';
        batches.append(text);
      };
      const iterator = result.parts[Symbol.asyncIterator]();
      let answer = '';
      let finish: Extract<StreamPart, { type: 'finish' }> | undefined;
      try {
        for (;;) {
          if (connection.backpressured) await resume();
          const next = await interruptible(iterator.next());
          if (next.done) break;
          const part = next.value;
          if (part.type === 'error') throw part.error;
          if (part.type === 'finish') {
            finish = part;
            break;
          }
          const content = part.index === 0 ? part.delta.content : undefined;
          if (typeof content === 'string' && content.length > 0) {
            answer += content;
            chars += content.length;
            batches.append(content);
          }
        }
      } finally {
        if (!finish) Promise.resolve(iterator.return?.()).catch(() => {});
      }
      if (!finish) throw new AppError('upstream_error', 'The upstream stream ended without finishing.');
      if (cancelCode) throw INTERRUPTED;
      batches.flush();
      while (held.length > 0) {
        await resume();
        batches.flush();
      }
      // Stored only now, in one transaction: a failed or cancelled turn leaves no rows behind.
      await env.conversations.appendTurn({
        tenant,
        conversationId: sessionId,
        createIfMissing: frame.sessionId === undefined,
        messages: [
          ...asked.map((m) => ({ role: m.role, content: (m.content ?? null) as StoredMessage['content'], requestId })),
          { role: 'assistant' as const, content: answer, requestId },
        ],
      });
      const fields = { cache: result.cache, similarity: result.similarity, usage: plainUsage(finish.usage) };
      connection.send(encode.done(frame.id, sessionId, fields));
      if (shared) env.fanout.publishDone(session, fields, connection, seq);
      env.counters.completed++;
      log({ outcome: 'done', tokens: finish.usage?.total_tokens });
    } catch (error) {
      const cancelled = cancelCode !== undefined;
      if (cancelled) buffer?.discard();
      else buffer?.flush();
      const problem = cancelled ? cancelProblem(cancelCode!) : failureOf(error);
      if (cancelled) env.counters.cancelled++;
      else env.counters.failed++;
      if (connection.isOpen) connection.send(encode.error({ id: frame.id, sessionId, code: problem.code, message: problem.message, param: problem.param }));
      if (shared && sessionId) env.fanout.publishError({ sessionId, turnId }, problem.code, problem.message, connection);
      if (problem.code === 'internal_error') env.logger.error('ws.turn_failed', { requestId, error });
      log({ outcome: cancelled ? 'cancelled' : 'error', code: problem.code });
    }
  }
}

export function cancelProblem(code: CancelCode): { code: WsErrorCode; message: string; param?: string } {
  switch (code) {
    case 'cancelled':
      return { code, message: 'The turn was cancelled; nothing was stored.' };
    case 'slow_consumer':
      return { code, message: 'The connection did not read fast enough; the turn was ended and nothing was stored.' };
    case 'service_unavailable':
      return { code, message: 'This instance is shutting down; the turn was ended and nothing was stored. Retry on another.' };
    case 'client_closed':
      return { code, message: 'The connection closed.' };
  }
}

function failureOf(error: unknown): { code: WsErrorCode; message: string; param?: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message, param: error.param };
  return { code: 'internal_error', message: 'The gateway failed to handle this turn.' };
}

function plainUsage(usage: Usage | undefined): Usage | undefined {
  if (!usage) return undefined;
  return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens };
}

async function drain(parts: AsyncIterable<StreamPart>): Promise<void> {
  try {
    for await (const _ of parts);
  } catch {
    // Nobody is listening any more.
  }
}
