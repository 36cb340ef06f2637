/**
 * Real-time figures for the JSON performance endpoint, which Prometheus histograms cannot give directly:
 * p50/p95/p99 and rates over the last few seconds, computed in-process.
 *
 * Both helpers keep a ring of one-second slots (the window is N slots; a slot older than the window is reset when
 * its second comes round again), so memory is fixed by the window length, never by traffic, and an idle gateway
 * needs no timer to expire old data. Latency slots hold a DDSketch (log-sketch.ts): quantiles within 1 % relative
 * error, exactly mergeable across slots. The clock is injectable (milliseconds) so tests control time.
 *
 * Rates divide by the time the window actually covers: N - 1 whole seconds plus the elapsed part of the current
 * one, and never more than the time since creation (a gateway up for 5 s does not report a 60 s average that is
 * twelve times too low). The divisor is at least 1 s so the first few milliseconds do not produce huge rates.
 */
import { addToBins, binQuantiles, createSketchMapping, mergeBins, type LogSketchOptions, type SketchBins } from './log-sketch';

export type Clock = () => number;

interface Ring<T> {
  /** The slot for the current second, reset first if it last held an older second. */
  current(): T;
  /** Slots whose second is within the last `windowSeconds` (current one included). */
  recent(windowSeconds: number): T[];
  /** Seconds the last `windowSeconds` actually cover (see the file comment). */
  span(windowSeconds: number): number;
  readonly size: number;
}

function createRing<T>(size: number, now: Clock, create: () => T, reset: (slot: T) => void): Ring<T> {
  if (!Number.isInteger(size) || size < 1 || size > 3600) throw new RangeError('window must be 1..3600 whole seconds');
  const startedAt = now();
  const seconds = new Float64Array(size).fill(Number.NaN);
  const slots = Array.from({ length: size }, create);
  const clamp = (w: number) => Math.min(Math.max(Math.floor(w), 1), size);
  return {
    size,
    current() {
      const second = Math.floor(now() / 1000);
      const i = second % size;
      const slot = slots[i] as T;
      if (seconds[i] !== second) {
        reset(slot);
        seconds[i] = second;
      }
      return slot;
    },
    recent(windowSeconds) {
      const second = Math.floor(now() / 1000);
      const oldest = second - clamp(windowSeconds);
      return slots.filter((_, i) => (seconds[i] as number) > oldest && (seconds[i] as number) <= second);
    },
    span(windowSeconds) {
      const t = now();
      const covered = clamp(windowSeconds) - 1 + (t % 1000) / 1000;
      return Math.max(1, Math.min(covered, (t - startedAt) / 1000));
    },
  };
}

export interface WindowedRateOptions {
  /** Longest window that can be asked for, in seconds; default 60. */
  maxWindowSeconds?: number;
  now?: Clock;
}

export interface WindowedRate {
  add(n?: number): void;
  /** Events in the last `windowSeconds` (clamped to 1..maxWindowSeconds). */
  count(windowSeconds: number): number;
  /** Events per second over the last `windowSeconds`. */
  rate(windowSeconds: number): number;
}

export function createWindowedRate(options: WindowedRateOptions = {}): WindowedRate {
  const ring = createRing(options.maxWindowSeconds ?? 60, options.now ?? Date.now, () => ({ n: 0 }), (s) => (s.n = 0));
  const count = (w: number) => ring.recent(w).reduce((sum, s) => sum + s.n, 0);
  return {
    add(n = 1) {
      if (Number.isFinite(n) && n > 0) ring.current().n += n;
    },
    count,
    rate: (w) => count(w) / ring.span(w),
  };
}

export interface WindowedSummaryOptions extends LogSketchOptions {
  /** Window in seconds; default 60. */
  windowSeconds?: number;
  now?: Clock;
}

/** Figures over the window; statistics are null while the window holds no observation. */
export interface SummarySnapshot {
  windowSeconds: number;
  count: number;
  ratePerSecond: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface WindowedSummary {
  observe(value: number): void;
  /** Quantiles (each in [0, 1]) over the window, or undefined when it is empty. */
  quantiles(qs: readonly number[]): number[] | undefined;
  snapshot(): SummarySnapshot;
}

interface SummarySlot {
  count: number;
  sum: number;
  min: number;
  max: number;
  bins: SketchBins;
}

export function createWindowedSummary(options: WindowedSummaryOptions = {}): WindowedSummary {
  const mapping = createSketchMapping(options);
  const windowSeconds = options.windowSeconds ?? 60;
  const empty = (s: SummarySlot) => Object.assign(s, { count: 0, sum: 0, min: Infinity, max: -Infinity }).bins.clear();
  const fresh = (): SummarySlot => ({ count: 0, sum: 0, min: Infinity, max: -Infinity, bins: new Map() });
  const ring = createRing(windowSeconds, options.now ?? Date.now, fresh, empty);

  const merged = () => {
    const total = fresh();
    for (const s of ring.recent(windowSeconds)) {
      if (s.count === 0) continue;
      total.count += s.count;
      total.sum += s.sum;
      total.min = Math.min(total.min, s.min);
      total.max = Math.max(total.max, s.max);
      mergeBins(total.bins, s.bins);
    }
    return total;
  };

  const quantiles = (qs: readonly number[], m = merged()) => {
    if (m.count === 0) return undefined;
    // binQuantiles walks the bins once, so it wants ascending quantiles; answer in the caller's order.
    const order = qs.map((q, i) => ({ q: Math.min(Math.max(q, 0), 1), i })).sort((x, y) => x.q - y.q);
    const values = binQuantiles(m.bins, mapping, order.map((o) => o.q), m.min, m.max);
    const out = new Array<number>(qs.length);
    order.forEach((o, k) => (out[o.i] = values[k] as number));
    return out;
  };

  return {
    observe(value) {
      if (!Number.isFinite(value)) return;
      const s = ring.current();
      s.count += 1;
      s.sum += value;
      s.min = Math.min(s.min, value);
      s.max = Math.max(s.max, value);
      addToBins(s.bins, mapping, value);
    },
    quantiles: (qs) => quantiles(qs),
    snapshot() {
      const m = merged();
      const [p50, p95, p99] = quantiles([0.5, 0.95, 0.99], m) ?? [null, null, null];
      const some = m.count > 0;
      return {
        windowSeconds,
        count: m.count,
        ratePerSecond: m.count / ring.span(windowSeconds),
        mean: some ? m.sum / m.count : null,
        min: some ? m.min : null,
        max: some ? m.max : null,
        p50: p50 ?? null,
        p95: p95 ?? null,
        p99: p99 ?? null,
      };
    },
  };
}
