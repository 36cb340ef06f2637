import { describe, expect, test } from 'bun:test';
import { backoffDelayMs, decideRetry, isRetryableStatus, parseRetryAfter, sleep, type RetryOptions } from './retry';

const options: RetryOptions = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelayMs', () => {
  test('draws uniformly between zero and an exponentially growing ceiling', () => {
    expect(backoffDelayMs(1, options, () => 0)).toBe(0);
    expect(backoffDelayMs(1, options, () => 0.999_999)).toBe(99);
    expect(backoffDelayMs(2, options, () => 0.5)).toBe(100);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(200);
  });

  test('never exceeds maxDelayMs however many attempts were made', () => {
    expect(backoffDelayMs(30, options, () => 0.999_999)).toBeLessThan(1000);
  });
});

describe('parseRetryAfter', () => {
  test('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('1')).toBe(1000);
    expect(parseRetryAfter(' 2.5 ')).toBe(2500);
  });

  test('reads an HTTP-date relative to now', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:03 GMT', now)).toBe(3000);
  });

  test('treats a date in the past as no wait and garbage or absence as unknown', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
  });
});

describe('decideRetry', () => {
  test('retries 429, 5xx and network failures', () => {
    expect(isRetryableStatus(429)).toBe(true);
    expect(isRetryableStatus(500)).toBe(true);
    expect(isRetryableStatus(503)).toBe(true);
    expect(decideRetry({ attempt: 1, failure: { kind: 'network' }, options }).retry).toBe(true);
    expect(decideRetry({ attempt: 1, failure: { kind: 'status', status: 502 }, options }).retry).toBe(true);
  });

  test('never retries other 4xx, timeouts or protocol errors', () => {
    for (const status of [400, 401, 403, 404, 409, 422]) {
      expect(decideRetry({ attempt: 1, failure: { kind: 'status', status }, options })).toEqual({ retry: false, reason: 'not_retryable' });
    }
    expect(decideRetry({ attempt: 1, failure: { kind: 'timeout' }, options }).retry).toBe(false);
    expect(decideRetry({ attempt: 1, failure: { kind: 'protocol' }, options }).retry).toBe(false);
  });

  test('stops after maxAttempts, passing on the Retry-After hint', () => {
    expect(decideRetry({ attempt: 3, failure: { kind: 'status', status: 429, retryAfterMs: 1500 }, options })).toEqual({
      retry: false,
      reason: 'attempts_exhausted',
      retryAfterSec: 2,
    });
  });

  test('never retries before Retry-After even when the jittered backoff is shorter', () => {
    const decision = decideRetry({ attempt: 1, failure: { kind: 'status', status: 429, retryAfterMs: 800 }, options, random: () => 0 });
    expect(decision).toEqual({ retry: true, delayMs: 800 });
  });

  test('gives up at once when Retry-After is longer than the longest wait it may take', () => {
    const decision = decideRetry({ attempt: 1, failure: { kind: 'status', status: 429, retryAfterMs: 30_000 }, options });
    expect(decision).toEqual({ retry: false, reason: 'retry_after_too_long', retryAfterSec: 30 });
  });
});

describe('sleep', () => {
  test('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
