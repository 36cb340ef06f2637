/**
 * The built-in mock LLM: an in-process LlmProvider used when no upstream key is configured (`bun run start`
 * with no configuration) and by tests of the layers above. It answers `mockAnswer`, streams it word by word
 * with OpenAI-shaped usage, and goes through the same concurrency limiter as the real adapter so health,
 * overload behaviour and the self-tuning step work identically in mock mode.
 */
import { randomUUID } from 'node:crypto';
import { toAppError } from '../errors';
import type { Logger } from '../log';
import { createConcurrencyLimiter, type ConcurrencyLimiter } from './concurrency-limiter';
import type { ChatCompletion, CompletionRequest, LlmProvider, StreamPart } from './llm-provider';
import { planMockAnswer } from './mock-answer';
import { sleep } from './retry';
import { cancelledError, closedError } from './upstream-errors';

export interface MockProviderOptions {
  /** Delay before the first token (time to first byte). Default 0. */
  latencyMs?: number;
  /** Generation speed; 0 means as fast as possible. Default 0. */
  tokensPerSec?: number;
  /** In-flight limit, as for the real adapter. Default 100. */
  maxConnections?: number;
  maxQueue?: number;
  logger: Logger;
}

export interface MockProvider extends LlmProvider {
  readonly limiter: ConcurrencyLimiter;
  /** Calls answered so far (complete + stream), for tests asserting "no upstream call". */
  readonly calls: number;
}

export function createMockProvider(options: MockProviderOptions): MockProvider {
  const latencyMs = options.latencyMs ?? 0;
  const tokenDelayMs = options.tokensPerSec && options.tokensPerSec > 0 ? 1000 / options.tokensPerSec : 0;
  const limiter = createConcurrencyLimiter({ limit: options.maxConnections ?? 100, maxQueue: options.maxQueue });
  const logger = options.logger.child({ component: 'llm', upstream: 'mock' });
  let closed = false;
  let calls = 0;

  /** Waits `ms` (none when 0, so a fast mock adds no timer per token); a cancellation throws at once. */
  async function wait(ms: number, signal: AbortSignal | undefined) {
    if (signal?.aborted) throw cancelledError(signal.reason);
    if (ms <= 0) return;
    await sleep(ms, signal).catch((reason: unknown) => {
      throw cancelledError(reason);
    });
  }

  async function complete(request: CompletionRequest): Promise<ChatCompletion> {
    if (closed) throw closedError();
    const permit = await limiter.acquire(request.signal);
    try {
      calls++;
      const plan = planMockAnswer(request.messages, request.model, request.params);
      await wait(latencyMs + plan.chunks.length * tokenDelayMs, request.signal);
      logger.debug('llm.mock.complete', { requestId: request.requestId, completionTokens: plan.usage.completion_tokens });
      return {
        id: `chatcmpl-mock-${randomUUID()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: plan.text }, finish_reason: plan.finishReason, logprobs: null }],
        usage: plan.usage,
      };
    } finally {
      permit.release();
    }
  }

  async function* stream(request: CompletionRequest): AsyncGenerator<StreamPart> {
    let permit;
    try {
      if (closed) throw closedError();
      permit = await limiter.acquire(request.signal);
    } catch (error) {
      yield { type: 'error', error: toAppError(error) };
      return;
    }
    // Released before a terminal part is yielded, and on abort: a consumer that stops pulling after the last
    // part, or abandons the stream, never resumes this generator, so `finally` alone could leak the slot.
    const release = () => permit.release();
    request.signal?.addEventListener('abort', release, { once: true });
    try {
      calls++;
      const plan = planMockAnswer(request.messages, request.model, request.params);
      await wait(latencyMs, request.signal);
      for (const [i, text] of plan.chunks.entries()) {
        if (i > 0) await wait(tokenDelayMs, request.signal);
        yield { type: 'delta', index: 0, delta: i === 0 ? { role: 'assistant', content: text } : { content: text } };
      }
      release();
      yield { type: 'finish', finishReasons: { 0: plan.finishReason }, usage: plan.usage, model: request.model };
    } catch (error) {
      release();
      yield { type: 'error', error: toAppError(error) };
    } finally {
      request.signal?.removeEventListener('abort', release);
      release();
    }
  }

  return {
    name: 'mock',
    limiter,
    get calls() {
      return calls;
    },
    complete,
    stream,
    health: () => ({ name: 'mock', breaker: 'closed', inFlight: limiter.inFlight, queued: limiter.queued, maxConnections: limiter.limit }),
    async close() {
      closed = true;
      limiter.close();
    },
  };
}
