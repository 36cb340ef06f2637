/**
 * Comparing two texts unit by unit (concept keys, see `analyze.ts`): when two units count as the same, and an
 * LCS alignment that splits the texts into shared anchors and differing hunks. Used by the contrast,
 * topic-drift and direction rules.
 */
import { editDistance } from './normalize.ts';
import type { Unit } from './types.ts';

/**
 * Same key, a typo ("regster"/"register", "saarbrucken"/"saarbruecken": edit distance 1 from 5 letters, 2 from 8),
 * or a German compound containing the other word ("sperrmullabholung" ⊃ "sperrmull", at least 4 letters).
 * Numbers only match exactly.
 */
export function unitsRelated(x: Unit, y: Unit): boolean {
  if (x.key === y.key) return true;
  // Function words and numbers only match exactly; fuzzy matching is for content words.
  if (x.isNumber || y.isNumber || x.stop || y.stop) return false;
  const memoKey = `${x.formsKey}\u0000${y.formsKey}`;
  const known = relatedMemo.get(memoKey);
  if (known !== undefined) return known;
  const related = formsRelated(x.forms, y.forms);
  if (relatedMemo.size >= RELATED_MEMO_SIZE) relatedMemo.clear();
  relatedMemo.set(memoKey, related);
  return related;
}

/** Word pairs recur across verifications (the same query against k candidates); a bounded memo of verdicts. */
const RELATED_MEMO_SIZE = 20_000;
const relatedMemo = new Map<string, boolean>();

function formsRelated(xs: readonly string[], ys: readonly string[]): boolean {
  for (const a of xs) {
    for (const b of ys) {
      if (a === b) return true;
      const shorter = Math.min(a.length, b.length);
      if (shorter >= 4 && (a.includes(b) || b.includes(a))) return true;
      // Typos seldom hit the first letter; checking it first skips most distance computations.
      if (shorter >= 5 && a[0] === b[0] && editDistance(a, b, 2) <= (shorter >= 8 ? 2 : 1)) return true;
    }
  }
  return false;
}

export interface Hunk {
  /** Units of A / B between two anchors that the other text does not share at that place. */
  a: Unit[];
  b: Unit[];
}

export interface Alignment {
  /** Aligned unit index pairs, in order. */
  matches: Array<[number, number]>;
  hunks: Hunk[];
}

const memo = new WeakMap<readonly Unit[], WeakMap<readonly Unit[], Alignment>>();

/**
 * Longest common subsequence of the two unit lists under `unitsRelated`, and the hunks between its anchors.
 * Memoised per pair of (immutable) unit lists, so the rules that need it share one computation.
 */
export function align(a: readonly Unit[], b: readonly Unit[]): Alignment {
  let inner = memo.get(a);
  if (!inner) memo.set(a, (inner = new WeakMap()));
  let result = inner.get(b);
  if (!result) inner.set(b, (result = computeAlignment(a, b)));
  return result;
}

function computeAlignment(a: readonly Unit[], b: readonly Unit[]): Alignment {
  const n = a.length;
  const m = b.length;
  const eq: boolean[][] = Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => unitsRelated(a[i]!, b[j]!)));
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i]![j] = eq[i]![j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  const matches: Array<[number, number]> = [];
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let hunk: Hunk = { a: [], b: [] };
  const flush = () => {
    if (hunk.a.length || hunk.b.length) hunks.push(hunk);
    hunk = { a: [], b: [] };
  };
  while (i < n && j < m) {
    if (eq[i]![j] && dp[i]![j] === dp[i + 1]![j + 1]! + 1) {
      flush();
      matches.push([i, j]);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) hunk.a.push(a[i++]!);
    else hunk.b.push(b[j++]!);
  }
  while (i < n) hunk.a.push(a[i++]!);
  while (j < m) hunk.b.push(b[j++]!);
  flush();
  return { matches, hunks };
}

/** Content units that are not numbers (numbers have their own rule). */
export const meaningful = (units: readonly Unit[]) => units.filter((u) => u.content && !u.isNumber);
