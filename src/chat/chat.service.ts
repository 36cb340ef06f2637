/**
 * The chat service: one place that turns a chat request into an answer, whichever transport asked. It checks
 * the model, calls the provider, persists conversations and records usage. It sees plain values only, never a
 * request context, so HTTP, WebSocket and tests drive it the same way.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import type { ChatCompletion, ChatMessage, LlmProvider, StreamPart, Usage } from '../llm/llm-provider';
import type { Logger } from '../log';
import type { UsageRecorder } from '../usage/usage-recorder';
import { conversationNotFound, type ConversationStore } from './conversation-store';

export type CacheStatus = 'HIT' | 'SEMANTIC_HIT' | 'MISS' | 'BYPASS' | 'REFRESH';

export interface TurnInput {
  tenant: string;
  requestId: string;
  /** The model the client named; the configured default when absent. */
  model?: string;
  messages: ChatMessage[];
  params: Record<string, unknown>;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
  route: string;
}

export interface TurnMeta {
  requestId: string;
  model: string;
  cache: CacheStatus;
  similarity?: number;
  entryId?: string;
}

export interface CompletionResult extends TurnMeta {
  completion: ChatCompletion;
}

export interface StreamResult extends TurnMeta {
  /** Starts with the first part already received: failures before the first token were thrown instead. */
  parts: AsyncIterable<StreamPart>;
}

export interface SimpleChatInput {
  tenant: string;
  requestId: string;
  message: string;
  sessionId?: string;
  model?: string;
  signal?: AbortSignal;
}

export interface SimpleChatResult {
  reply: string;
  sessionId: string;
  cache: CacheStatus;
  similarity?: number;
  entryId?: string;
  latencyMs: number;
  usage?: Usage;
}

export interface ChatServiceOptions {
  provider: LlmProvider;
  conversations: ConversationStore;
  usage: UsageRecorder;
  models: readonly string[];
  defaultModel: string;
  logger: Logger;
  /** How many earlier messages of a stored session are sent upstream. */
  historyLimit?: number;
}

export interface ChatService {
  readonly models: readonly string[];
  resolveModel(model: string | undefined): string;
  complete(input: TurnInput): Promise<CompletionResult>;
  stream(input: TurnInput): Promise<StreamResult>;
  simpleChat(input: SimpleChatInput): Promise<SimpleChatResult>;
}

/** Postgres text cannot hold NUL; replace it rather than fail a turn the client already paid for. */
const storable = (text: string) => text.replaceAll('\u0000', '\uFFFD');

export function createChatService(options: ChatServiceOptions): ChatService {
  const { provider, conversations, usage, models, defaultModel, logger } = options;
  const historyLimit = options.historyLimit ?? 50;
  const served = new Set(models);

  function resolveModel(model: string | undefined): string {
    const chosen = model ?? defaultModel;
    if (!served.has(chosen)) {
      throw new AppError('model_not_found', `The model '${chosen.slice(0, 100)}' does not exist or you do not have access to it.`, { param: 'model' });
    }
    return chosen;
  }

  function recordUsage(input: TurnInput, model: string, tokens: Usage | undefined, cache: CacheStatus, startedAt: number) {
    usage.record({
      requestId: input.requestId,
      tenant: input.tenant,
      route: input.route,
      model,
      cacheStatus: cache,
      upstreamCalled: cache !== 'HIT' && cache !== 'SEMANTIC_HIT',
      promptTokens: tokens?.prompt_tokens ?? 0,
      completionTokens: tokens?.completion_tokens ?? 0,
      latencyMs: Math.round(performance.now() - startedAt),
    });
  }

  async function complete(input: TurnInput): Promise<CompletionResult> {
    const startedAt = performance.now();
    const model = resolveModel(input.model);
    const completion = await provider.complete({ model, messages: input.messages, params: input.params, requestId: input.requestId, signal: input.signal });
    recordUsage(input, model, completion.usage, 'BYPASS', startedAt);
    return { requestId: input.requestId, model, cache: 'BYPASS', completion };
  }

  async function stream(input: TurnInput): Promise<StreamResult> {
    const startedAt = performance.now();
    const model = resolveModel(input.model);
    const iterator = provider.stream({ model, messages: input.messages, params: input.params, requestId: input.requestId, signal: input.signal })[Symbol.asyncIterator]();
    // Wait for the first part so that an upstream that fails before answering gets a proper HTTP status.
    const first = await iterator.next();
    if (!first.done && first.value.type === 'error') throw first.value.error;
    async function* parts(): AsyncGenerator<StreamPart> {
      try {
        if (first.done) return;
        yield first.value;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const part = next.value;
          if (part.type === 'finish') recordUsage(input, model, part.usage, 'BYPASS', startedAt);
          yield part;
          if (part.type !== 'delta') return;
        }
      } finally {
        await iterator.return?.();
      }
    }
    return { requestId: input.requestId, model, cache: 'BYPASS', parts: parts() };
  }

  async function simpleChat(input: SimpleChatInput): Promise<SimpleChatResult> {
    const startedAt = performance.now();
    const model = resolveModel(input.model);
    let history: ChatMessage[] = [];
    if (input.sessionId !== undefined) {
      const stored = await conversations.history(input.tenant, input.sessionId, historyLimit);
      if (stored === undefined) throw conversationNotFound(input.sessionId);
      history = stored;
    }
    const sessionId = input.sessionId ?? randomUUID();
    const userMessage: ChatMessage = { role: 'user', content: input.message };
    const turn: TurnInput = {
      tenant: input.tenant,
      requestId: input.requestId,
      model,
      messages: [...history, userMessage],
      params: {},
      signal: input.signal,
      route: '/api/v1/chat',
    };
    const result = await complete(turn);
    const reply = result.completion.choices[0]?.message.content ?? '';
    // Written only after the answer is complete, in one transaction: a failed turn leaves no rows behind.
    await conversations.appendTurn({
      tenant: input.tenant,
      conversationId: sessionId,
      createIfMissing: input.sessionId === undefined,
      messages: [
        { role: 'user', content: storable(input.message), requestId: input.requestId },
        { role: 'assistant', content: storable(reply), requestId: input.requestId },
      ],
    });
    logger.debug('chat.session_turn', { sessionId, historyLength: history.length });
    return {
      reply,
      sessionId,
      cache: result.cache,
      similarity: result.similarity,
      entryId: result.entryId,
      latencyMs: Math.round(performance.now() - startedAt),
      usage: result.completion.usage,
    };
  }

  return { models, resolveModel, complete, stream, simpleChat };
}
