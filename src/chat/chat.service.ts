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
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import { costUsd, DEFAULT_PRICES, type PriceTable } from '../usage/pricing';
import type { CachedAnswer } from '../cache/cache-entry';
import type { LookupResult, SemanticCache } from '../cache/semantic-cache';
import { SingleFlight } from '../cache/single-flight';
import { answerOf, completionFromAnswer, replayableFromCompletion, replayParts, storableFromCompletion, usageOf } from './answers';
import { AsyncQueue } from './async-queue';
import { conversationNotFound, type ConversationStore } from './conversation-store';

export type CacheStatus = 'HIT' | 'SEMANTIC_HIT' | 'MISS' | 'BYPASS' | 'REFRESH';

/** Per-request cache controls (`cache-control`, `x-cache-threshold`, `x-cache-namespace`). */
export interface CacheControls {
  /** Do not read the cache (still store): `cache-control: no-cache`. */
  noCache?: boolean;
  /** Do not store (and do not read): `cache-control: no-store`. */
  noStore?: boolean;
  threshold?: number;
  namespace?: string;
}

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
  cache?: CacheControls;
}

export interface TurnTimings {
  embedMs?: number;
  searchMs?: number;
  upstreamMs?: number;
}

export interface TurnMeta {
  requestId: string;
  model: string;
  cache: CacheStatus;
  similarity?: number;
  entryId?: string;
  timings: TurnTimings;
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
  cache?: CacheControls;
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
  /** The semantic cache; without it every turn is a BYPASS. */
  cache?: SemanticCache;
  conversations: ConversationStore;
  usage: UsageRecorder;
  models: readonly string[];
  defaultModel: string;
  logger: Logger;
  /** How many earlier messages of a stored session are sent upstream. */
  historyLimit?: number;
  /** Cache, token and cost counters; absent in tests that do not look at them. */
  metrics?: GatewayMetrics;
  prices?: PriceTable;
}

export interface ChatService {
  readonly models: readonly string[];
  resolveModel(model: string | undefined): string;
  complete(input: TurnInput): Promise<CompletionResult>;
  stream(input: TurnInput): Promise<StreamResult>;
  simpleChat(input: SimpleChatInput): Promise<SimpleChatResult>;
}

/** What one upstream call produced, shared by every request of a single flight. */
interface FlightOutcome {
  completion?: ChatCompletion;
  /** The text answer in replayable form (any finish reason); undefined for tool calls and multi-choice answers. */
  replay?: CachedAnswer;
  usage?: Usage;
  /** Set when the answer was complete and stored. */
  entryId?: string;
  upstreamMs: number;
}

export function createChatService(options: ChatServiceOptions): ChatService {
  const { provider, conversations, usage, models, defaultModel, logger, cache, metrics } = options;
  const prices = options.prices ?? DEFAULT_PRICES;
  const historyLimit = options.historyLimit ?? 50;
  const served = new Set(models);
  const flights = new SingleFlight<FlightOutcome>();

  function resolveModel(model: string | undefined): string {
    const chosen = model ?? defaultModel;
    if (!served.has(chosen)) {
      throw new AppError('model_not_found', `The model '${chosen.slice(0, 100)}' does not exist or you do not have access to it.`, { param: 'model' });
    }
    return chosen;
  }

  /** `shared`: a follower of a single flight; the leader's row already counts the upstream call. */
  function recordUsage(input: TurnInput, model: string, tokens: Usage | undefined, status: CacheStatus, startedAt: number, shared = false, similarity?: number) {
    if (metrics) {
      const upstream = !shared && status !== 'HIT' && status !== 'SEMANTIC_HIT';
      const source = upstream ? 'upstream' : 'cache';
      const prompt = tokens?.prompt_tokens ?? 0;
      const completion = tokens?.completion_tokens ?? 0;
      const cost = costUsd(prices, model, prompt, completion);
      metrics.recordCacheLookup(status, similarity);
      metrics.tokens.inc({ direction: 'prompt', source }, prompt);
      metrics.tokens.inc({ direction: 'completion', source }, completion);
      (upstream ? metrics.costSpent : metrics.costSaved).inc({ model }, cost);
    }
    usage.record({
      requestId: input.requestId,
      tenant: input.tenant,
      route: input.route,
      model,
      cacheStatus: status,
      upstreamCalled: !shared && status !== 'HIT' && status !== 'SEMANTIC_HIT',
      promptTokens: tokens?.prompt_tokens ?? 0,
      completionTokens: tokens?.completion_tokens ?? 0,
      latencyMs: Math.round(performance.now() - startedAt),
    });
  }

  async function lookup(input: TurnInput, model: string): Promise<LookupResult> {
    const controls = input.cache ?? {};
    if (!cache || controls.noStore) return { status: 'BYPASS', reason: controls.noStore ? 'no-store' : 'no cache', timings: {} };
    return cache.lookup({
      tenant: input.tenant,
      namespace: controls.namespace ?? 'default',
      model,
      messages: input.messages,
      params: input.params,
      mode: controls.noCache ? 'refresh' : 'normal',
      threshold: controls.threshold,
    });
  }

  /** Stores a complete answer; a failing store is logged, never turned into a failed request. */
  async function store(found: Extract<LookupResult, { status: 'MISS' | 'REFRESH' }>, answer: CachedAnswer | undefined): Promise<string | undefined> {
    if (!cache || !answer) return undefined;
    try {
      return (await cache.store(found.key, answer, found.embedding, { replace: found.status === 'REFRESH' }))?.id;
    } catch (error) {
      logger.warn('cache.store_failed', { error });
      return undefined;
    }
  }

  const hitMeta = (input: TurnInput, model: string, found: Extract<LookupResult, { status: 'HIT' | 'SEMANTIC_HIT' }>): TurnMeta => ({
    requestId: input.requestId,
    model,
    cache: found.status,
    similarity: found.status === 'SEMANTIC_HIT' ? found.similarity : undefined,
    entryId: found.entry.id,
    timings: found.timings,
  });

  async function complete(input: TurnInput): Promise<CompletionResult> {
    const startedAt = performance.now();
    const model = resolveModel(input.model);
    const found = await lookup(input, model);
    if (found.status === 'HIT' || found.status === 'SEMANTIC_HIT') {
      recordUsage(input, model, usageOf(found.entry.answer), found.status, startedAt, false, found.status === 'SEMANTIC_HIT' ? found.similarity : undefined);
      return { ...hitMeta(input, model, found), completion: completionFromAnswer(found.entry.answer, model, input.requestId) };
    }
    const request = { model, messages: input.messages, params: input.params, requestId: input.requestId };
    if (found.status === 'BYPASS') {
      const upstreamStarted = performance.now();
      const completion = await provider.complete({ ...request, signal: input.signal });
      recordUsage(input, model, completion.usage, 'BYPASS', startedAt);
      return { requestId: input.requestId, model, cache: 'BYPASS', completion, timings: { ...found.timings, upstreamMs: performance.now() - upstreamStarted } };
    }
    const flight = flights.run(
      found.key.exactKey,
      async (signal) => {
        const upstreamStarted = performance.now();
        const completion = await provider.complete({ ...request, signal });
        const upstreamMs = performance.now() - upstreamStarted;
        return { completion, replay: replayableFromCompletion(completion), usage: completion.usage, upstreamMs, entryId: await store(found, storableFromCompletion(completion)) };
      },
      input.signal,
    );
    const outcome = await flight.value;
    // Followers of a streamed flight get the assembled answer.
    const completion = outcome.completion ?? (outcome.replay ? completionFromAnswer(outcome.replay, model, input.requestId) : undefined);
    if (!completion) throw new AppError('upstream_error', 'The shared upstream answer could not be replayed; retry.');
    recordUsage(input, model, outcome.usage, found.status, startedAt, !flight.leader);
    return { requestId: input.requestId, model, cache: found.status, entryId: outcome.entryId, completion, timings: { ...found.timings, upstreamMs: outcome.upstreamMs } };
  }

  /** Runs one upstream stream to its end inside a flight, handing every part to the leader's queue. */
  async function streamUpstream(input: TurnInput, model: string, found: Extract<LookupResult, { status: 'MISS' | 'REFRESH' }>, queue: AsyncQueue<StreamPart>, signal: AbortSignal): Promise<FlightOutcome> {
    const upstreamStarted = performance.now();
    let text = '';
    let toolCalls = false;
    try {
      for await (const part of provider.stream({ model, messages: input.messages, params: input.params, requestId: input.requestId, signal })) {
        queue.push(part);
        if (part.type === 'delta') {
          if (part.index === 0 && typeof part.delta.content === 'string') text += part.delta.content;
          if (part.delta.tool_calls?.length || part.index > 0) toolCalls = true;
        } else if (part.type === 'error') {
          throw part.error;
        } else {
          const finishReason = part.finishReasons[0] ?? 'stop';
          const complete = finishReason === 'stop' && !toolCalls && text.trim() !== '';
          const answer = answerOf(text, finishReason, part.usage);
          const upstreamMs = performance.now() - upstreamStarted;
          return { replay: toolCalls ? undefined : answer, usage: part.usage, upstreamMs, entryId: complete ? await store(found, answer) : undefined };
        }
      }
      throw new AppError('upstream_error', 'The upstream stream ended without finishing.');
    } finally {
      queue.end();
    }
  }

  async function stream(input: TurnInput): Promise<StreamResult> {
    const startedAt = performance.now();
    const model = resolveModel(input.model);
    const found = await lookup(input, model);
    if (found.status === 'HIT' || found.status === 'SEMANTIC_HIT') {
      recordUsage(input, model, usageOf(found.entry.answer), found.status, startedAt, false, found.status === 'SEMANTIC_HIT' ? found.similarity : undefined);
      return { ...hitMeta(input, model, found), parts: replayParts(found.entry.answer, model) };
    }
    let source: AsyncIterable<StreamPart>;
    let leaderFlight: Promise<FlightOutcome> | undefined;
    if (found.status === 'BYPASS') {
      source = provider.stream({ model, messages: input.messages, params: input.params, requestId: input.requestId, signal: input.signal });
    } else {
      const queue = new AsyncQueue<StreamPart>();
      const flight = flights.run(found.key.exactKey, (signal) => streamUpstream(input, model, found, queue, signal), input.signal);
      if (!flight.leader) {
        // Someone is already asking this exact question: wait for the whole answer and replay it.
        const outcome = await flight.value;
        if (!outcome.replay) throw new AppError('upstream_error', 'The shared upstream answer cannot be replayed as a stream; retry.');
        recordUsage(input, model, outcome.usage, found.status, startedAt, true);
        return { requestId: input.requestId, model, cache: found.status, entryId: outcome.entryId, timings: found.timings, parts: replayParts(outcome.replay, model) };
      }
      source = queue;
      // If every caller left before the flight started, the work never runs and nothing ends the queue.
      leaderFlight = flight.value;
      flight.value.catch(() => queue.end());
    }
    const iterator = source[Symbol.asyncIterator]();
    // Wait for the first part so that an upstream that fails before answering gets a proper HTTP status.
    const first = await iterator.next();
    if (!first.done && first.value.type === 'error') throw first.value.error;
    if (first.done && leaderFlight) await leaderFlight; // surfaces the reason the flight never produced a part
    const status = found.status;
    async function* parts(): AsyncGenerator<StreamPart> {
      try {
        if (first.done) return;
        yield first.value;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const part = next.value;
          if (part.type === 'finish') recordUsage(input, model, part.usage, status, startedAt);
          yield part;
          if (part.type !== 'delta') return;
        }
      } finally {
        await iterator.return?.();
      }
    }
    return { requestId: input.requestId, model, cache: status, timings: found.timings, parts: parts() };
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
      cache: input.cache,
    };
    const result = await complete(turn);
    const reply = result.completion.choices[0]?.message.content ?? '';
    // Written only after the answer is complete, in one transaction: a failed turn leaves no rows behind.
    await conversations.appendTurn({
      tenant: input.tenant,
      conversationId: sessionId,
      createIfMissing: input.sessionId === undefined,
      messages: [
        { role: 'user', content: input.message, requestId: input.requestId },
        { role: 'assistant', content: reply, requestId: input.requestId },
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
