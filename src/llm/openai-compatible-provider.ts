/**
 * LlmProvider over any OpenAI-compatible `/chat/completions` endpoint (DeepSeek, OpenAI, vLLM, the mock
 * upstream), using Bun's fetch. Connection reuse is Bun's keep-alive default; this adapter only bounds it.
 * Note Bun parks at most 64 idle keep-alive connections per process (oven-sh/bun#42608; measured here: with
 * more than ~64 calls in flight, connections beyond that are closed after use instead of reused), and
 * `BUN_CONFIG_MAX_HTTP_REQUESTS` separately caps how many fetches Bun runs at once, whatever the limit here.
 *
 * One call = breaker admission → concurrency slot → attempt(s) with timeouts → retry policy. The slot is held
 * only while a request is on the wire (not during backoff), and a stream keeps it until its last byte so the
 * limit really counts open upstream connections. A stream is retried only before its first body byte: after
 * that, the client has seen tokens and a second answer would not continue the first.
 */
import { toAppError } from '../errors';
import type { Logger } from '../log';
import { createChatStreamDecoder } from './chat-stream-decoder';
import { createCircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { createConcurrencyLimiter, type ConcurrencyLimiter } from './concurrency-limiter';
import type { ChatCompletion, CompletionRequest, LlmProvider, StreamPart } from './llm-provider';
import { DEFAULT_RETRY, type RetryOptions } from './retry';
import { createSseParser } from './sse-parser';
import { malformedError } from './upstream-errors';
import { createUpstreamCaller, type LeaseOutcome } from './upstream-caller';

export interface OpenAiCompatibleProviderOptions {
  /** e.g. `https://api.deepseek.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey: string;
  maxConnections: number;
  /** Callers allowed to wait for a slot. Default 1000. */
  maxQueue?: number;
  /** Longest wait for a slot. Default 30 s. */
  maxQueueWaitMs?: number;
  /** Until response headers arrive. */
  connectTimeoutMs: number;
  /** Whole non-streamed attempt, headers and body. */
  totalTimeoutMs: number;
  /** Longest silence between stream chunks (keep-alive comments count as activity). Default `totalTimeoutMs`. */
  idleTimeoutMs?: number;
  retries?: Partial<RetryOptions>;
  breaker?: Omit<CircuitBreakerOptions, 'onStateChange'>;
  logger: Logger;
  /** Injectable for tests; defaults to Bun's global fetch. */
  fetch?: typeof fetch;
  /** Injectable jitter source for tests. */
  random?: () => number;
}

export interface OpenAiCompatibleProvider extends LlmProvider {
  /** Exposed so the self-tuning step can call `setLimit`. */
  readonly limiter: ConcurrencyLimiter;
}

export function createOpenAiCompatibleProvider(options: OpenAiCompatibleProviderOptions): OpenAiCompatibleProvider {
  const logger = options.logger.child({ component: 'llm', upstream: safeHost(options.baseUrl) });
  const limiter = createConcurrencyLimiter({ limit: options.maxConnections, maxQueue: options.maxQueue, maxWaitMs: options.maxQueueWaitMs });
  const breaker = createCircuitBreaker({
    ...options.breaker,
    onStateChange: (from, to) => (to === 'closed' ? logger.info : logger.warn)('llm.breaker', { from, to }),
  });
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retries };
  const idleTimeoutMs = options.idleTimeoutMs ?? options.totalTimeoutMs;
  let closed = false;
  const caller = createUpstreamCaller({
    url: options.baseUrl.replace(/\/+$/, '') + '/chat/completions',
    apiKey: options.apiKey,
    fetch: options.fetch ?? fetch,
    limiter,
    breaker,
    retry,
    connectTimeoutMs: options.connectTimeoutMs,
    logger,
    random: options.random,
    isClosed: () => closed,
  });

  async function complete(request: CompletionRequest): Promise<ChatCompletion> {
    const { value, lease } = await caller.open({
      request,
      body: requestBody(request, false),
      totalTimeoutMs: options.totalTimeoutMs,
      attempt: async ({ response, call }) => {
        const text = await call.guard(response.text());
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return { ok: false, failure: { kind: 'protocol' }, error: malformedError('a completion that is not valid JSON') };
        }
        if (!isCompletion(parsed)) return { ok: false, failure: { kind: 'protocol' }, error: malformedError('a completion without choices') };
        return { ok: true, value: parsed };
      },
    });
    lease.release('success');
    return value;
  }

  async function* stream(request: CompletionRequest): AsyncGenerator<StreamPart> {
    let opened;
    try {
      opened = await caller.open({
        request,
        body: requestBody(request, true),
        // The first read belongs to the attempt: a stream stays retryable until a body byte has arrived.
        attempt: async ({ response, call }) => {
          if (response.body === null) return { ok: false, failure: { kind: 'network' }, error: malformedError('an empty stream') };
          const reader = response.body.getReader();
          // However the attempt ends by abort (timeout, caller, release), the body stops being read.
          call.signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
          const watchdog = call.watchdog('idle', idleTimeoutMs);
          const first = await call.guard(reader.read());
          if (first.done) {
            watchdog.stop();
            return { ok: false, failure: { kind: 'network' }, error: malformedError('an empty stream') };
          }
          watchdog.touch();
          return { ok: true, value: { reader, watchdog, first: first.value } };
        },
      });
    } catch (error) {
      yield { type: 'error', error: toAppError(error) };
      return;
    }
    const { reader, watchdog, first } = opened.value;
    const { lease } = opened;
    const parser = createSseParser();
    const decoder = createChatStreamDecoder({ model: request.model });
    let ended = false;
    let settled = false;
    // The slot is released BEFORE a terminal part is yielded: consumers commonly stop pulling once they have a
    // terminal part, and a generator that is never resumed never runs its `finally`.
    const settle = (outcome: LeaseOutcome) => {
      if (settled) return;
      settled = true;
      watchdog.stop();
      if (outcome === 'success' && !ended) void drainBody(reader, DRAIN_MS).then(() => lease.release(outcome));
      else lease.release(outcome);
    };
    // Likewise an abort (the caller's signal or our idle timeout) frees the slot at once, whether or not anyone
    // resumes this generator to observe the failed read.
    lease.call.signal.addEventListener('abort', () => settle(lease.call.classify(undefined).kind === 'timeout' ? 'failure' : 'neutral'), { once: true });
    try {
      for (let chunk: Uint8Array | undefined = first; ; ) {
        for (const event of chunk === undefined ? parser.end() : parser.push(chunk)) {
          for (const part of decoder.accept(event)) {
            if (part.type === 'error') {
              settle('failure');
              yield part;
              return;
            }
            yield part;
          }
        }
        // Finish as soon as [DONE] arrives rather than waiting for the end of the body.
        if (decoder.done || chunk === undefined) break;
        const next = await lease.call.guard(reader.read());
        watchdog.touch();
        ended = next.done;
        chunk = next.done ? undefined : next.value;
      }
      const terminal = decoder.end();
      settle(terminal.type === 'finish' ? 'success' : 'failure');
      yield terminal;
    } catch (error) {
      const { kind, error: appError } = lease.call.classify(error);
      settle(kind === 'cancelled' ? 'neutral' : 'failure');
      yield { type: 'error', error: appError };
    } finally {
      // The consumer stopped early (`return()`): not the upstream's fault.
      settle('neutral');
    }
  }

  return {
    name: 'openai-compatible',
    limiter,
    complete,
    stream,
    health: () => ({ name: 'openai-compatible', breaker: breaker.state, inFlight: limiter.inFlight, queued: limiter.queued, maxConnections: limiter.limit }),
    async close() {
      closed = true;
      limiter.close();
    },
  };
}

/** Longest wait for the end of a body after `[DONE]`; see `drainBody`. */
const DRAIN_MS = 1000;

/**
 * After `[DONE]` the end of the body is normally a few bytes behind. Reading it lets Bun put the keep-alive
 * connection back in its pool; aborting instead closes it, and the next request pays a new TCP (and TLS)
 * handshake. Bounded, in case an upstream holds the body open after `[DONE]`. Runs after the terminal part was
 * handed out, so it never delays the answer, only the release of the slot.
 */
async function drainBody(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<void> {
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), ms);
  try {
    while (!(await reader.read()).done);
  } catch {
    // The connection may be gone already; the answer was complete either way.
  } finally {
    clearTimeout(timer);
  }
}

/** `params` verbatim, minus any stream flags the client sent: this adapter decides those. */
function requestBody(request: CompletionRequest, stream: boolean): Record<string, unknown> {
  const { stream: _stream, stream_options: streamOptions, ...params } = request.params;
  // model and messages last: a stray `model` inside params must not override the resolved one.
  const base = { ...params, model: request.model, messages: request.messages };
  if (!stream) return { ...base, stream: false };
  const extra = typeof streamOptions === 'object' && streamOptions !== null ? streamOptions : {};
  // Usage is always requested: the gateway accounts tokens even when the client did not ask for them.
  return { ...base, stream: true, stream_options: { ...extra, include_usage: true } };
}

function isCompletion(value: unknown): value is ChatCompletion {
  return typeof value === 'object' && value !== null && Array.isArray((value as { choices?: unknown }).choices);
}

/** Host only: a base URL may carry userinfo, which is a credential. */
function safeHost(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'invalid-url';
  }
}
