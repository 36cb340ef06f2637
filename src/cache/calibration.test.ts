import { describe, expect, test } from 'bun:test';
import { breakdown, evaluateAt, isHit, pickThreshold, thresholdCurve, thresholdGrid, wilsonUpper, type ScoredPair } from './calibration';

const pair = (score: number, same: boolean, verified = true, kind = same ? 'paraphrase' : 'negation'): ScoredPair => ({ score, same, verified, kind });

// Positives at 0.6, 0.7, 0.8, 0.9; negatives at 0.65, 0.85 (verifier rejects the 0.85 one) and 0.95.
const pairs: ScoredPair[] = [
  pair(0.6, true),
  pair(0.7, true),
  pair(0.8, true),
  pair(0.9, true, false),
  pair(0.65, false),
  pair(0.85, false, false),
  pair(0.95, false),
];

describe('calibration', () => {
  test('counts a hit only at or above the threshold and, with the verifier on, only when verified', () => {
    expect(isHit(pair(0.8, true), 0.8)).toBe(true);
    expect(isHit(pair(0.79, true), 0.8)).toBe(false);
    expect(isHit(pair(0.9, true, false), 0.8)).toBe(false);
    expect(isHit(pair(0.9, true, false), 0.8, { useVerifier: false })).toBe(true);
  });

  test('computes hit rate on same-meaning pairs and false-hit rate on different-meaning pairs', () => {
    const at = evaluateAt(pairs, 0.7);
    expect(at).toMatchObject({ hits: 2, positives: 4, falseHits: 1, negatives: 3 });
    expect(at.hitRate).toBe(0.5);
    expect(at.falseHitRate).toBeCloseTo(1 / 3);
    expect(evaluateAt(pairs, 0.7, { useVerifier: false })).toMatchObject({ hits: 3, falseHits: 2 });
  });

  test('picks the lowest threshold whose false-hit rate meets the target', () => {
    const candidates = thresholdGrid(0.5, 1, 0.05);
    // With the verifier: at 0.5 and 0.6 two of three negatives are hits, from 0.7 only the one at 0.95.
    const result = pickThreshold(pairs, { maxFalseHitRate: 0.34, candidates });
    expect(result.ok && result.threshold).toBe(0.7);
    if (result.ok) expect(result.at.hitRate).toBe(0.5);
    const strict = pickThreshold(pairs, { maxFalseHitRate: 0, candidates });
    expect(strict.ok && strict.threshold).toBe(1);
    // Cosine only, the negative at 0.85 counts too: the threshold must rise above it.
    const noVerifier = pickThreshold(pairs, { maxFalseHitRate: 0.34, candidates, useVerifier: false });
    expect(noVerifier.ok && noVerifier.threshold).toBe(0.9);
    if (noVerifier.ok) expect(noVerifier.at.hitRate).toBe(0.25);
  });

  test('says so when no candidate meets the target', () => {
    const result = pickThreshold([pair(0.99, false)], { maxFalseHitRate: 0, candidates: [0.5, 0.9] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.highest).toMatchObject({ threshold: 0.9, falseHits: 1 });
  });

  test('meets a target hit exactly despite float rounding (1 in 100 at 0.01)', () => {
    const many = [...Array.from({ length: 99 }, () => pair(0.2, false)), pair(0.9, false), pair(0.9, true)];
    const result = pickThreshold(many, { maxFalseHitRate: 0.01, candidates: [0.5] });
    expect(result.ok).toBe(true);
  });

  test('rejects a target outside 0..1', () => {
    expect(() => pickThreshold(pairs, { maxFalseHitRate: 2 })).toThrow(RangeError);
  });

  test('builds a drift-free grid and a curve in threshold order', () => {
    expect(thresholdGrid(0.5, 0.95, 0.05)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
    const curve = thresholdCurve(pairs, [0.5, 0.9]);
    expect(curve.map((c) => c.hits)).toEqual([3, 0]);
  });

  test('breaks hits down by group and counts verifier rejections regardless of score', () => {
    const rows = breakdown(pairs, 0.7, (p) => p.kind);
    expect(rows).toEqual([
      { key: 'negation', count: 3, hits: 1, rate: 1 / 3, rejectedByVerifier: 1 },
      { key: 'paraphrase', count: 4, hits: 2, rate: 0.5, rejectedByVerifier: 1 },
    ]);
  });
});

describe('calibration with a confidence bound', () => {
  test('wilsonUpper is above the observed rate and shrinks with more evidence', () => {
    expect(wilsonUpper(0, 100)).toBeGreaterThan(0.03);
    expect(wilsonUpper(0, 100)).toBeLessThan(0.04);
    expect(wilsonUpper(1, 1000)).toBeLessThan(wilsonUpper(1, 100));
    expect(wilsonUpper(5, 10)).toBeGreaterThan(0.5);
    expect(wilsonUpper(0, 0)).toBe(1);
  });

  test('with bound wilson95 the pick needs more headroom than the point estimate', () => {
    const negatives = [...Array.from({ length: 600 }, () => pair(0.3, false)), pair(0.7, false), pair(0.8, false)];
    const candidates = [0.5, 0.75, 0.85];
    const point = pickThreshold(negatives, { maxFalseHitRate: 0.01, candidates });
    const bounded = pickThreshold(negatives, { maxFalseHitRate: 0.01, candidates, bound: 'wilson95' });
    expect(point.ok && point.threshold).toBe(0.5);
    expect(bounded.ok && bounded.threshold).toBe(0.75);
  });
});
