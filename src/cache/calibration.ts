/**
 * Threshold calibration, as pure functions over scored, labelled pairs.
 *
 * A pair is a cache lookup in miniature: `a` was stored, `b` is asked. It is a *hit* at threshold `t` when its
 * cosine `score >= t` and (unless the verifier is switched off) the second-stage check passed (`verified`).
 * - hit rate: hits among `same: true` pairs (higher is better);
 * - false-hit rate: hits among `same: false` pairs (a wrong answer served; must stay under the target).
 * Both only fall as `t` rises, so "the lowest threshold whose false-hit rate <= target" is well defined and gives
 * the highest hit rate that target allows.
 *
 * Thresholds are picked on a grid (default step 0.005) rather than at an exact score: a value just above one
 * negative's cosine is fitted to noise, a grid value keeps a margin and reads well in configuration.
 */

export interface ScoredPair {
  /** Cosine similarity of the two texts' embeddings. */
  score: number;
  same: boolean;
  /** Whether the second-stage verifier accepted the pair (ignored when verification is off). */
  verified: boolean;
  kind?: string;
  lang?: string;
  /** Data set label (e.g. the file name), for per-set tables. */
  group?: string;
}

export interface RateAt {
  threshold: number;
  /** `same: true` pairs served from cache. */
  hits: number;
  positives: number;
  hitRate: number;
  /** `same: false` pairs served from cache. */
  falseHits: number;
  negatives: number;
  falseHitRate: number;
}

export interface EvaluateOptions {
  /** Count the verifier's verdict (default true). */
  useVerifier?: boolean;
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

/** True when `pair` would be served from cache at `threshold`. */
export function isHit(pair: ScoredPair, threshold: number, options: EvaluateOptions = {}): boolean {
  return pair.score >= threshold && (options.useVerifier === false || pair.verified);
}

/** Hit rate and false-hit rate of `pairs` at one threshold. */
export function evaluateAt(pairs: readonly ScoredPair[], threshold: number, options: EvaluateOptions = {}): RateAt {
  let hits = 0;
  let positives = 0;
  let falseHits = 0;
  let negatives = 0;
  for (const pair of pairs) {
    const hit = isHit(pair, threshold, options);
    if (pair.same) {
      positives++;
      if (hit) hits++;
    } else {
      negatives++;
      if (hit) falseHits++;
    }
  }
  return {
    threshold,
    hits,
    positives,
    hitRate: ratio(hits, positives),
    falseHits,
    negatives,
    falseHitRate: ratio(falseHits, negatives),
  };
}

/** `evaluateAt` for each threshold, in the given order. */
export function thresholdCurve(
  pairs: readonly ScoredPair[],
  thresholds: readonly number[],
  options: EvaluateOptions = {},
): RateAt[] {
  return thresholds.map((threshold) => evaluateAt(pairs, threshold, options));
}

/** `from, from + step, ..., to` without floating-point drift (values rounded to 6 decimals). */
export function thresholdGrid(from: number, to: number, step: number): number[] {
  if (!(step > 0)) throw new RangeError('step must be positive');
  const out: number[] = [];
  const count = Math.round((to - from) / step);
  for (let i = 0; i <= count; i++) out.push(Math.round((from + i * step) * 1e6) / 1e6);
  return out;
}

export interface PickOptions extends EvaluateOptions {
  /** Largest acceptable false-hit rate, e.g. 0.01. */
  maxFalseHitRate: number;
  /**
   * `point` (default): the observed false-hit rate must meet the target. `wilson95`: the upper end of its 95%
   * Wilson interval must (needs enough negatives: with none seen in 100, the bound is still 3.7%).
   */
  bound?: 'point' | 'wilson95';
  /** Candidate thresholds, ascending; default 0 to 1 in steps of 0.005. */
  candidates?: readonly number[];
}

export type PickResult =
  | { ok: true; threshold: number; at: RateAt }
  /** Even the highest candidate lets too many negatives through. */
  | { ok: false; highest: RateAt };

/** The lowest candidate threshold whose false-hit rate is at most `maxFalseHitRate`, and what it gives. */
export function pickThreshold(pairs: readonly ScoredPair[], options: PickOptions): PickResult {
  if (!(options.maxFalseHitRate >= 0 && options.maxFalseHitRate <= 1)) {
    throw new RangeError('maxFalseHitRate must be between 0 and 1');
  }
  const candidates = options.candidates ?? thresholdGrid(0, 1, 0.005);
  if (candidates.length === 0) throw new RangeError('no candidate thresholds');
  // The false-hit rate never rises with the threshold, so the first candidate that meets the target is the lowest.
  let last: RateAt | undefined;
  for (const threshold of candidates) {
    last = evaluateAt(pairs, threshold, options);
    const rate = options.bound === 'wilson95' ? wilsonUpper(last.falseHits, last.negatives) : last.falseHitRate;
    // A tiny epsilon so that e.g. 1/100 counts as meeting a target of 0.01 despite float rounding.
    if (rate <= options.maxFalseHitRate + 1e-12) return { ok: true, threshold, at: last };
  }
  return { ok: false, highest: last! };
}

export interface BreakdownRow {
  /** The group's label, e.g. `negation/de`. */
  key: string;
  count: number;
  /** Pairs served from cache (for `same: false` rows these are false hits). */
  hits: number;
  rate: number;
  /** Pairs the verifier rejected, whatever their score. */
  rejectedByVerifier: number;
}

/** Hits per group at `threshold`; `keyOf` names each pair's group (pairs with an undefined key are skipped). */
export function breakdown(
  pairs: readonly ScoredPair[],
  threshold: number,
  keyOf: (pair: ScoredPair) => string | undefined,
  options: EvaluateOptions = {},
): BreakdownRow[] {
  const rows = new Map<string, BreakdownRow>();
  for (const pair of pairs) {
    const key = keyOf(pair);
    if (key === undefined) continue;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { key, count: 0, hits: 0, rate: 0, rejectedByVerifier: 0 }));
    row.count++;
    if (isHit(pair, threshold, options)) row.hits++;
    if (!pair.verified) row.rejectedByVerifier++;
  }
  return [...rows.values()]
    .map((row) => ({ ...row, rate: ratio(row.hits, row.count) }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

/**
 * Upper end of the 95% Wilson score interval for a rate of `k` in `n`: how high the true false-hit rate could
 * plausibly be given what was observed. With 0 false hits in 100 negatives it is still about 3.7%.
 */
export function wilsonUpper(k: number, n: number, z = 1.96): number {
  if (n === 0) return 1;
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.min(1, (centre + margin) / (1 + z2 / n));
}
