/**
 * Retry policy for upstream calls, as pure helpers so the provider's loop stays readable and the rules are
 * testable without a network.
 *
 * Rules:
 * - Retry only what a second attempt can fix: 429, 5xx and network failures (nothing was answered). Every other
 *   4xx is the request's own fault and repeats identically, so it is never retried.
 * - Timeouts are not retried: the upstream may still be generating (and billing) the first attempt, and the
 *   caller has already waited a full timeout.
 * - Backoff is "full jitter": sleep = random(0, min(maxDelay, base * 2^attempt)). Spreading retries uniformly
 *   avoids synchronised retry storms against a recovering upstream (Marc Brooker, "Exponential Backoff And
 *   Jitter", AWS Architecture Blog, 2015).
 * - `Retry-After` is a floor: never retry before it. When it exceeds `maxDelayMs` the caller is better served by
 *   an immediate 429 carrying the hint than by a request held open that long.
 */
export interface RetryOptions {
  /** Total attempts including the first; 1 disables retries. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Cap on one backoff sleep, and the longest `Retry-After` the gateway will wait out itself. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 8_000 };

/** What went wrong in one attempt, as far as the retry policy cares. */
export type AttemptFailure =
  | { kind: 'status'; status: number; retryAfterMs?: number }
  | { kind: 'network' }
  | { kind: 'timeout' }
  /** A 2xx whose body is not a valid answer: a bug or an incompatible upstream, which a retry will not fix. */
  | { kind: 'protocol' };

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'not_retryable' | 'attempts_exhausted' | 'retry_after_too_long'; retryAfterSec?: number };

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Full-jitter backoff for the retry after attempt number `attempt` (1-based). */
export function backoffDelayMs(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Returns milliseconds from
 * `now`, or undefined when absent or unparseable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP-date always names a day or month; this keeps Date.parse's leniency ("-5" is a year) out.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface DecideRetryInput {
  /** The attempt that just failed, 1-based. */
  attempt: number;
  failure: AttemptFailure;
  options: RetryOptions;
  random?: () => number;
}

export function decideRetry({ attempt, failure, options, random }: DecideRetryInput): RetryDecision {
  const retryAfterMs = failure.kind === 'status' ? failure.retryAfterMs : undefined;
  const retryAfterSec = retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
  if (failure.kind === 'timeout' || failure.kind === 'protocol') return { retry: false, reason: 'not_retryable' };
  if (failure.kind === 'status' && !isRetryableStatus(failure.status)) return { retry: false, reason: 'not_retryable' };
  if (attempt >= options.maxAttempts) return { retry: false, reason: 'attempts_exhausted', retryAfterSec };
  if (retryAfterMs !== undefined && retryAfterMs > options.maxDelayMs) {
    return { retry: false, reason: 'retry_after_too_long', retryAfterSec };
  }
  const delayMs = Math.max(backoffDelayMs(attempt, options, random), retryAfterMs ?? 0);
  return { retry: true, delayMs };
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts (timers never outlive a caller). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
