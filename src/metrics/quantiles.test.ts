import { describe, expect, test } from 'bun:test';
import { addToBins, createSketchMapping, type SketchBins } from './log-sketch';
import { createWindowedRate, createWindowedSummary } from './quantiles';

/** A clock that starts on a whole second, so slot boundaries in these tests are easy to reason about. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** The value of rank q (n - 1) in sorted data: the definition the sketch approximates. */
const exactQuantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] as number;

describe('windowed latency summary', () => {
  test('reports p50, p95 and p99 of known data within the 1 % relative-error guarantee', () => {
    const clock = fakeClock();
    const summary = createWindowedSummary({ now: clock.now });
    const data = Array.from({ length: 1000 }, (_, i) => i + 1);
    // Shuffled deterministically and spread over 10 s: order and slot boundaries must not matter.
    for (let i = 0; i < data.length; i++) {
      summary.observe(data[(i * 7919) % data.length] as number);
      clock.advance(10);
    }
    const snap = summary.snapshot();
    expect(snap.count).toBe(1000);
    expect(snap.min).toBe(1);
    expect(snap.max).toBe(1000);
    expect(snap.mean).toBe(500.5);
    for (const [q, got] of [[0.5, snap.p50], [0.95, snap.p95], [0.99, snap.p99]] as const) {
      const want = exactQuantile(data, q);
      expect(Math.abs((got as number) - want) / want).toBeLessThanOrEqual(0.01);
    }
  });

  test('answers quantiles in the order asked and is exact at the extremes', () => {
    const clock = fakeClock();
    const summary = createWindowedSummary({ now: clock.now });
    for (const v of [3, 0, 7.5, 12, 0.2]) summary.observe(v);
    expect(summary.quantiles([1, 0])).toEqual([12, 0]);
    const [p50] = summary.quantiles([0.5]) ?? [];
    expect(Math.abs((p50 as number) - 3) / 3).toBeLessThanOrEqual(0.01);
  });

  test('forgets observations older than the window', () => {
    const clock = fakeClock();
    const summary = createWindowedSummary({ windowSeconds: 60, now: clock.now });
    for (let i = 0; i < 100; i++) summary.observe(5000);
    clock.advance(30_000);
    for (let i = 0; i < 100; i++) summary.observe(10);
    expect(summary.snapshot().max).toBe(5000);
    clock.advance(30_500);
    const snap = summary.snapshot();
    expect(snap.count).toBe(100);
    expect(snap.max).toBe(10);
    expect(snap.p99).toBe(10);
    clock.advance(60_000);
    expect(summary.snapshot()).toMatchObject({ count: 0, p50: null, p95: null, p99: null, mean: null, ratePerSecond: 0 });
    expect(summary.quantiles([0.5])).toBeUndefined();
  });

  test('reports the observation rate over the window', () => {
    const clock = fakeClock();
    const summary = createWindowedSummary({ windowSeconds: 60, now: clock.now });
    for (let i = 0; i < 1200; i++) {
      summary.observe(1);
      clock.advance(100);
    }
    // 120 s at 10/s: the 60 s window holds about 600 observations.
    expect(summary.snapshot().ratePerSecond).toBeCloseTo(10, 0);
  });

  test('keeps the sketch bounded however wide the values range', () => {
    const mapping = createSketchMapping({ relativeAccuracy: 0.01, minValue: 1e-6, maxValue: 1e6 });
    const bins: SketchBins = new Map();
    for (let i = 0; i < 100_000; i++) addToBins(bins, mapping, 10 ** (-12 + (i % 2400) / 100));
    // ln(1e12) / ln(1.01 / 0.99) is about 1,382 buckets, plus the zero bucket.
    expect(bins.size).toBeLessThanOrEqual(1384);
  });
});

describe('windowed rate', () => {
  test('measures a steady 10 events per second over 10 s and 60 s windows', () => {
    const clock = fakeClock();
    const rate = createWindowedRate({ now: clock.now });
    for (let i = 0; i < 900; i++) {
      rate.add();
      clock.advance(100);
    }
    expect(rate.rate(10)).toBeCloseTo(10, 0);
    expect(rate.rate(60)).toBeCloseTo(10, 0);
    // The clock sits at the very start of a new, empty second: the window covers 9 whole seconds so far.
    expect(rate.count(10)).toBe(90);
  });

  test('does not dilute a young window by time before it started', () => {
    const clock = fakeClock();
    const rate = createWindowedRate({ now: clock.now });
    for (let i = 0; i < 50; i++) {
      rate.add();
      clock.advance(100);
    }
    // 50 events in 5 s is 10/s, not 50 / 60.
    expect(rate.rate(60)).toBeCloseTo(10, 5);
  });

  test('tells a burst apart from the minute around it', () => {
    const clock = fakeClock();
    const rate = createWindowedRate({ now: clock.now });
    clock.advance(60_000);
    rate.add(600);
    clock.advance(500);
    expect(rate.count(10)).toBe(600);
    expect(rate.rate(10)).toBeCloseTo(600 / 9.5, 5);
    expect(rate.rate(60)).toBeCloseTo(600 / 59.5, 5);
    clock.advance(10_000);
    expect(rate.rate(10)).toBe(0);
    expect(rate.count(60)).toBe(600);
  });

  test('drops to zero after an idle window and ignores nonsense increments', () => {
    const clock = fakeClock();
    const rate = createWindowedRate({ now: clock.now });
    rate.add(5);
    rate.add(-3);
    rate.add(NaN);
    expect(rate.count(60)).toBe(5);
    clock.advance(61_000);
    expect(rate.rate(60)).toBe(0);
  });
});
