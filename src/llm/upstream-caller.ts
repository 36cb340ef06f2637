/**
 * The resilience loop around one upstream POST: breaker admission → concurrency slot → attempt with timeouts →
 * retry decision. It is transport-level only; what a successful body means (a JSON completion, an SSE stream)
 * is the `attempt` callback's business.
 *
 * The slot is held only while a request is on the wire, not during backoff sleeps, so a retrying call does not
 * block others. On success the caller gets a `Lease` holding the slot, the breaker ticket and the attempt's
 * signal, and must release it exactly once with the outcome (a stream holds it until its last byte).
 */
import { AppError, toAppError } from '../errors';
import type { Logger } from '../log';
import { createAttemptSignal, type AttemptSignal } from './attempt-signal';
import type { CircuitBreaker } from './circuit-breaker';
import type { ConcurrencyLimiter } from './concurrency-limiter';
import type { CompletionRequest } from './llm-provider';
import { decideRetry, parseRetryAfter, sleep, type AttemptFailure, type RetryOptions } from './retry';
import { cancelledError, closedError, ERROR_BODY_LIMIT_BYTES, statusError, upstreamErrorCode } from './upstream-errors';

export type LeaseOutcome = 'success' | 'failure' | 'neutral';

export interface Lease {
  readonly call: AttemptSignal;
  /** Returns the slot, reports the breaker outcome and aborts whatever is left of the response. Idempotent. */
  release(outcome: LeaseOutcome): void;
}

export type AttemptResult<T> = { ok: true; value: T } | { ok: false; failure: AttemptFailure; error: AppError };

export interface CallOptions<T> {
  request: CompletionRequest;
  body: Record<string, unknown>;
  /** Deadline for the whole attempt, headers and body (non-streamed calls). */
  totalTimeoutMs?: number;
  /** Runs once 2xx headers arrived; may read the body. Fetch/read errors it throws are classified here. */
  attempt: (context: { response: Response; call: AttemptSignal }) => Promise<AttemptResult<T>>;
}

export interface UpstreamCallerOptions {
  url: string;
  apiKey: string;
  fetch: typeof fetch;
  limiter: ConcurrencyLimiter;
  breaker: CircuitBreaker;
  retry: RetryOptions;
  connectTimeoutMs: number;
  logger: Logger;
  random?: () => number;
  isClosed: () => boolean;
}

export interface UpstreamCaller {
  /** Resolves with the attempt's value and a held lease, or rejects with an `AppError`. */
  open<T>(options: CallOptions<T>): Promise<{ value: T; lease: Lease }>;
}

type Outcome<T> = AttemptResult<T> & { breaker: LeaseOutcome; cancelled?: boolean };

export function createUpstreamCaller(options: UpstreamCallerOptions): UpstreamCaller {
  const { limiter, breaker, logger } = options;

  async function open<T>(call: CallOptions<T>): Promise<{ value: T; lease: Lease }> {
    const { request } = call;
    const payload = JSON.stringify(call.body);
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.apiKey}`,
      'content-type': 'application/json',
      accept: call.body.stream === true ? 'text/event-stream' : 'application/json',
    };
    if (request.requestId !== undefined) headers['x-request-id'] = request.requestId;

    for (let attempt = 1; ; attempt++) {
      if (options.isClosed()) throw closedError();
      const ticket = breaker.enter();
      let permit;
      try {
        permit = await limiter.acquire(request.signal);
      } catch (error) {
        ticket.neutral();
        throw toAppError(error);
      }
      const signal = createAttemptSignal(request.signal);
      let released = false;
      const lease: Lease = {
        call: signal,
        release(outcome) {
          if (released) return;
          released = true;
          signal.dispose();
          permit.release();
          ticket[outcome]();
        },
      };
      const startedAt = performance.now();
      const outcome = await once(call, signal, headers, payload);
      if (outcome.ok) return { value: outcome.value, lease };
      lease.release(outcome.breaker);
      if (outcome.cancelled) throw outcome.error;
      const decision = decideRetry({ attempt, failure: outcome.failure, options: options.retry, random: options.random });
      const fields = { requestId: request.requestId, attempt, failure: outcome.failure, code: outcome.error.code, ms: Math.round(performance.now() - startedAt) };
      if (!decision.retry) {
        // Bad credentials are an operator problem: make them loud. A rejected request is the client's own
        // business (the request log has it); everything else says the upstream is struggling.
        const code = outcome.error.code;
        const log = code === 'upstream_auth_failed' ? logger.error : code === 'upstream_rejected' ? logger.debug : logger.warn;
        log('llm.failed', { ...fields, reason: decision.reason });
        throw outcome.error;
      }
      logger.warn('llm.retry', { ...fields, delayMs: decision.delayMs });
      try {
        await sleep(decision.delayMs, request.signal);
      } catch (reason) {
        throw cancelledError(reason);
      }
    }
  }

  async function once<T>(call: CallOptions<T>, signal: AttemptSignal, headers: Record<string, string>, payload: string): Promise<Outcome<T>> {
    const cancelConnect = signal.deadline('connect', options.connectTimeoutMs);
    if (call.totalTimeoutMs !== undefined) signal.deadline('total', call.totalTimeoutMs);
    try {
      const response = await signal.guard(options.fetch(options.url, { method: 'POST', headers, body: payload, signal: signal.signal }));
      // Error bodies are read under the connect deadline too: they are small, and a hung one must not hang us.
      if (!response.ok) return await statusFailure(response, signal);
      cancelConnect();
      const result = await call.attempt({ response, call: signal });
      return { ...result, breaker: result.ok ? 'success' : 'failure' };
    } catch (error) {
      const { kind, error: appError } = signal.classify(error);
      if (kind === 'cancelled') return { ok: false, failure: { kind: 'network' }, error: appError, breaker: 'neutral', cancelled: true };
      return { ok: false, failure: { kind }, error: appError, breaker: 'failure' };
    } finally {
      cancelConnect();
    }
  }

  return { open };
}

async function statusFailure(response: Response, signal: AttemptSignal): Promise<Outcome<never>> {
  const status = response.status;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const retryAfterSec = retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
  const code = upstreamErrorCode(await readPrefix(response, ERROR_BODY_LIMIT_BYTES, signal));
  const error = statusError(status, { code, retryAfterSec });
  // 5xx says the upstream is unwell; 429 says nothing about its health; any other 4xx proves it answers.
  const breaker: LeaseOutcome = status >= 500 ? 'failure' : status === 429 ? 'neutral' : 'success';
  return { ok: false, failure: { kind: 'status', status, retryAfterMs }, error, breaker };
}

/** Reads at most `limit` bytes of a body as text and abandons the rest; never throws. */
async function readPrefix(response: Response, limit: number, signal: AttemptSignal): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await signal.guard(reader.read());
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A broken error body still leaves the status to report.
  } finally {
    if (size >= limit || signal.signal.aborted) void reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
}
