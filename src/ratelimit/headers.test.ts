import { describe, expect, test } from 'bun:test';
import { rateLimitedError, rateLimitHeaders, rateLimitPolicy } from './headers';
import type { RateDecision } from './rate-limiter';

const allowed: RateDecision = { allowed: true, limit: 10, remaining: 7, resetMs: 300, retryAfterMs: 0 };
const rejected: RateDecision = { allowed: false, limit: 10, remaining: 0, resetMs: 1001, retryAfterMs: 10 };

describe('rate limit headers', () => {
  test('describe an admitted request without Retry-After, with Reset rounded up to whole seconds', () => {
    expect(rateLimitHeaders(allowed, { ratePerSec: 10, burst: 10 })).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '7',
      'RateLimit-Reset': '1',
      'RateLimit-Policy': '10;w=1',
    });
  });

  test('say 0 seconds to reset when the bucket is full', () => {
    const full = { ...allowed, remaining: 10, resetMs: 0 };
    expect(rateLimitHeaders(full, { ratePerSec: 10, burst: 10 })['RateLimit-Reset']).toBe('0');
  });

  test('tell a rejected client to retry after at least one whole second', () => {
    const headers = rateLimitHeaders(rejected, { ratePerSec: 10, burst: 10 });
    expect(headers['Retry-After']).toBe('1');
    expect(headers['RateLimit-Remaining']).toBe('0');
    expect(headers['RateLimit-Reset']).toBe('2');
    expect(rateLimitHeaders({ ...rejected, retryAfterMs: 2500 }, { ratePerSec: 10, burst: 10 })['Retry-After']).toBe('3');
  });

  test('state the policy as a sustained quota over a whole-second window', () => {
    expect(rateLimitPolicy({ ratePerSec: 100, burst: 100 })).toBe('100;w=1');
    expect(rateLimitPolicy({ ratePerSec: 100, burst: 20 })).toBe('100;w=1');
    expect(rateLimitPolicy({ ratePerSec: 0.5, burst: 1 })).toBe('1;w=2');
    expect(rateLimitPolicy({ ratePerSec: 2, burst: 5 })).toBe('6;w=3');
  });

  test('turn a rejection into a 429 rate_limited error carrying its Retry-After', () => {
    const error = rateLimitedError({ ...rejected, retryAfterMs: 1500 }, 'chat');
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterSec: 2 });
    expect(error.message).toContain('chat');
  });
});
