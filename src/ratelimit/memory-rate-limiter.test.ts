import { describe, expect, test } from 'bun:test';
import { MemoryRateLimiter } from './memory-rate-limiter';
import type { RateRule } from './rate-limiter';

function clocked(maxKeys?: number) {
  const clock = { now: 0 };
  return { clock, limiter: new MemoryRateLimiter({ maxKeys, now: () => clock.now }) };
}
const rule: RateRule = { ratePerSec: 10, burst: 2 };

describe('MemoryRateLimiter', () => {
  test('forgets buckets once they have refilled, so idle keys take no memory', () => {
    const { clock, limiter } = clocked();
    for (let i = 0; i < 100; i++) limiter.consumeNow(`idle-${i}`, rule);
    expect(limiter.size).toBe(100);
    clock.now += 1000;
    for (let i = 0; i < 50; i++) limiter.consumeNow('busy', rule, 0);
    expect(limiter.size).toBe(0);
  });

  test('holds at most maxKeys buckets, evicting the least recently used first', () => {
    const { limiter } = clocked(3);
    for (const key of ['a', 'b', 'c']) limiter.consumeNow(key, rule, 2);
    limiter.consumeNow('a', rule, 0);
    limiter.consumeNow('d', rule, 2);
    expect(limiter.size).toBe(3);
    // 'b' was least recently used: evicted, so it starts full again; 'a' was touched and is still drained.
    expect(limiter.consumeNow('b', rule, 0).remaining).toBe(2);
    expect(limiter.consumeNow('a', rule, 0).remaining).toBe(0);
  });

  test('paces fractional rates: at 0.5/s a rejected caller is told to wait two seconds', () => {
    const { clock, limiter } = clocked();
    const slow: RateRule = { ratePerSec: 0.5, burst: 1 };
    expect(limiter.consumeNow('k', slow).allowed).toBe(true);
    const rejected = limiter.consumeNow('k', slow);
    expect(rejected).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 2000, resetMs: 2000 });
    clock.now += 1999;
    expect(limiter.consumeNow('k', slow).allowed).toBe(false);
    clock.now += 1;
    expect(limiter.consumeNow('k', slow).allowed).toBe(true);
  });

  test('never admits a cost above the burst, and says so with a positive retryAfterMs', () => {
    const { limiter } = clocked();
    const decision = limiter.consumeNow('k', rule, 3);
    expect(decision).toMatchObject({ allowed: false, remaining: 2 });
    expect(decision.retryAfterMs).toBeGreaterThan(0);
  });

  test('reports itself as per-instance', () => {
    expect(new MemoryRateLimiter().health().mode).toBe('local');
  });
});
