import { describe, expect, test } from 'bun:test';
import { AppError } from '../errors';
import { createCircuitBreaker } from './circuit-breaker';
import type { BreakerState } from './llm-provider';

function setup(failureThreshold = 3, coolDownMs = 10_000) {
  let now = 0;
  const changes: string[] = [];
  const breaker = createCircuitBreaker({
    failureThreshold,
    coolDownMs,
    now: () => now,
    onStateChange: (from: BreakerState, to: BreakerState) => changes.push(`${from}->${to}`),
  });
  return { breaker, changes, advance: (ms: number) => (now += ms) };
}

const fail = (b: ReturnType<typeof setup>['breaker'], times: number) => {
  for (let i = 0; i < times; i++) b.enter().failure();
};

describe('circuit breaker', () => {
  test('stays closed below the threshold of consecutive failures', () => {
    const { breaker } = setup(3);
    fail(breaker, 2);
    breaker.enter().success();
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  test('opens after N consecutive failures and then fails fast with upstream_unavailable and a Retry-After', () => {
    const { breaker, advance } = setup(3, 10_000);
    fail(breaker, 3);
    expect(breaker.state).toBe('open');
    advance(2_500);
    let error: unknown;
    try {
      breaker.enter();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('upstream_unavailable');
    expect((error as AppError).retryAfterSec).toBe(8);
  });

  test('does not count client errors or neutral outcomes as failures', () => {
    const { breaker } = setup(2);
    breaker.enter().failure();
    breaker.enter().neutral();
    breaker.enter().success();
    breaker.enter().failure();
    expect(breaker.state).toBe('closed');
  });

  test('lets exactly one probe through after the cool-down', () => {
    const { breaker, advance } = setup(1, 1000);
    fail(breaker, 1);
    advance(1000);
    expect(breaker.state).toBe('half_open');
    const probe = breaker.enter();
    expect(() => breaker.enter()).toThrow(AppError);
    probe.success();
    expect(breaker.state).toBe('closed');
    breaker.enter().success();
  });

  test('reopens for a full cool-down when the probe fails', () => {
    const { breaker, advance, changes } = setup(1, 1000);
    fail(breaker, 1);
    advance(1000);
    breaker.enter().failure();
    expect(breaker.state).toBe('open');
    advance(999);
    expect(() => breaker.enter()).toThrow(AppError);
    advance(1);
    expect(breaker.state).toBe('half_open');
    expect(changes).toEqual(['closed->open', 'open->half_open', 'half_open->open', 'open->half_open']);
  });

  test('lets a new probe through when the previous one reported a neutral outcome', () => {
    const { breaker, advance } = setup(1, 1000);
    fail(breaker, 1);
    advance(1000);
    breaker.enter().neutral();
    expect(breaker.state).toBe('half_open');
    breaker.enter().success();
    expect(breaker.state).toBe('closed');
  });

  test('ignores a second report from the same call', () => {
    const { breaker } = setup(2);
    const ticket = breaker.enter();
    ticket.failure();
    ticket.failure();
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(1);
  });
});
