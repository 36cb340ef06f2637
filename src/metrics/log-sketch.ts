/**
 * A quantile sketch with a relative-error guarantee: DDSketch (Masson, Rim, Lee, "DDSketch: A Fast and
 * Fully-Mergeable Quantile Sketch with Relative-Error Guarantees", VLDB 2019, https://arxiv.org/abs/1908.10693).
 *
 * A positive value x goes to bucket i = ceil(log_gamma(x)) with gamma = (1 + a) / (1 - a); reporting
 * 2 gamma^i / (gamma + 1) for that bucket is within relative error `a` of every value in it. Why this rather than
 * a reservoir of raw samples: it is deterministic (tests need no seeded randomness), merging two sketches is
 * adding counts (so per-second sketches combine into a window exactly), and its size depends on the value range,
 * not on traffic. Values are clamped to [minValue, maxValue], which bounds the bucket count:
 * ln(max/min) / ln(gamma), about 1,400 for 1e-6..1e6 at 1 %. Zero and negative values are counted as 0.
 */

export interface LogSketchOptions {
  /** Relative accuracy, default 0.01 (1 %). */
  relativeAccuracy?: number;
  /** Smallest positive value told apart; smaller positive values count as this. Default 1e-6. */
  minValue?: number;
  /** Largest value told apart; larger values count as this. Default 1e6. */
  maxValue?: number;
}

export interface SketchMapping {
  indexOf(value: number): number;
  valueOf(index: number): number;
}

export function createSketchMapping(options: LogSketchOptions = {}): SketchMapping {
  const a = options.relativeAccuracy ?? 0.01;
  if (!(a > 0 && a < 1)) throw new RangeError('relativeAccuracy must be in (0, 1)');
  const gamma = (1 + a) / (1 - a);
  const lnGamma = Math.log(gamma);
  const minValue = options.minValue ?? 1e-6;
  const maxValue = options.maxValue ?? 1e6;
  if (!(minValue > 0 && maxValue > minValue)) throw new RangeError('need 0 < minValue < maxValue');
  return {
    indexOf: (value) => Math.ceil(Math.log(Math.min(Math.max(value, minValue), maxValue)) / lnGamma),
    valueOf: (index) => (2 * gamma ** index) / (gamma + 1),
  };
}

/** Counts per bucket index; the zero bucket uses key `ZERO`. */
export type SketchBins = Map<number, number>;
export const ZERO = Number.NEGATIVE_INFINITY;

export function addToBins(bins: SketchBins, mapping: SketchMapping, value: number): void {
  const key = value > 0 ? mapping.indexOf(value) : ZERO;
  bins.set(key, (bins.get(key) ?? 0) + 1);
}

export function mergeBins(into: SketchBins, from: SketchBins): void {
  for (const [key, count] of from) into.set(key, (into.get(key) ?? 0) + count);
}

/**
 * Quantiles of the merged bins, as in the paper: the bucket holding the value of rank q (n - 1), counting from 0.
 * `qs` must be ascending. Results are clamped to the exact [min, max] seen, so p0 and p100 are exact.
 */
export function binQuantiles(bins: SketchBins, mapping: SketchMapping, qs: readonly number[], min: number, max: number): number[] {
  const keys = [...bins.keys()].sort((x, y) => x - y);
  const total = keys.reduce((n, k) => n + (bins.get(k) ?? 0), 0);
  const out: number[] = [];
  let seen = 0;
  let i = -1;
  let key = ZERO;
  for (const q of qs) {
    const rank = q * (total - 1);
    while (seen <= rank && i < keys.length - 1) {
      i += 1;
      key = keys[i] as number;
      seen += bins.get(key) ?? 0;
    }
    const estimate = key === ZERO ? 0 : mapping.valueOf(key);
    out.push(Math.min(Math.max(estimate, min), max));
  }
  return out;
}
