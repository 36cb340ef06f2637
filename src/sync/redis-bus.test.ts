import { describe, expect, test } from 'bun:test';
import { backoffDelay, busChannel, busConnectionName } from './redis-bus';

describe('redis bus helpers', () => {
  test('backs off exponentially from the base and never past the cap', () => {
    const top = () => 1;
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, 50, 2000, top))).toEqual([50, 100, 200, 400]);
    expect(backoffDelay(10, 50, 2000, top)).toBe(2000);
    expect(backoffDelay(10_000, 50, 2000, top)).toBe(2000);
  });

  test('jitters within the upper half of the current step', () => {
    expect(backoffDelay(3, 50, 2000, () => 0)).toBe(100);
    expect(backoffDelay(3, 50, 2000, () => 0.5)).toBe(150);
  });

  test('names the channel after the prefix and the connections after the instance', () => {
    expect(busChannel('prod-eu')).toBe('prod-eu:events');
    expect(busConnectionName('pod 7/a', 'sub')).toBe('bus-sub:pod_7_a');
  });
});
