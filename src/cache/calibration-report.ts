/**
 * Scoring labelled pairs and rendering the calibration report as text. Pure: vectors and the verifier are passed
 * in, nothing is read or printed here (`calibrate.main.ts` does the I/O).
 */
import {
  breakdown,
  evaluateAt,
  pickThreshold,
  thresholdGrid,
  wilsonUpper,
  type PickResult,
  type RateAt,
  type ScoredPair,
} from './calibration.ts';
import { splitPart, type LabelledPair, type SplitPart } from './calibration-data.ts';

export interface ScoredLabelledPair extends ScoredPair {
  kind: string;
  lang: string;
  group: string;
  part: SplitPart;
  /** The verifier's reason when it rejected the pair. */
  reason?: string;
}

/** Cosine of each pair's vectors and the verifier's verdict (`b` is the query, `a` the cached candidate). */
export function scorePairs(
  pairs: readonly LabelledPair[],
  vectorOf: (text: string) => Float32Array,
  verify: (query: string, candidate: string) => { ok: true } | { ok: false; reason: string },
): ScoredLabelledPair[] {
  return pairs.map((pair) => {
    const verdict = verify(pair.b, pair.a);
    return {
      score: dot(vectorOf(pair.a), vectorOf(pair.b)),
      same: pair.same,
      verified: verdict.ok,
      reason: verdict.ok ? undefined : verdict.reason,
      kind: pair.kind,
      lang: pair.lang,
      group: pair.file,
      part: splitPart(pair),
    };
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * "Unrelated" pairs for a sanity check: each pair's `a` with the `b` of the pair `offset` places further on in the
 * same file, labelled `same: false`. Easy negatives: a threshold plus verifier that lets these through is broken.
 */
export function unrelatedPairs(pairs: readonly LabelledPair[], offset = 7): LabelledPair[] {
  const out: LabelledPair[] = [];
  const byFile = new Map<string, LabelledPair[]>();
  for (const p of pairs) (byFile.get(p.file) ?? byFile.set(p.file, []).get(p.file)!).push(p);
  for (const list of byFile.values()) {
    if (list.length <= offset) continue;
    list.forEach((p, i) => {
      const other = list[(i + offset) % list.length]!;
      out.push({ ...p, b: other.b, same: false, kind: 'unrelated' });
    });
  }
  return out;
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A plain text table with right-aligned columns except the first. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export interface ReportInput {
  embedderLabel: string;
  useVerifier: boolean;
  maxFalseHitRate: number;
  /** Pairs the threshold is picked on. */
  calibration: readonly ScoredLabelledPair[];
  /** Pairs reported at the picked threshold besides the calibration set (the held-out part), if any. */
  holdout?: readonly ScoredLabelledPair[];
  /** Easy negatives for a sanity check, built inside the calibration part (and the held-out part), if any. */
  unrelated?: { calibration: readonly ScoredLabelledPair[]; holdout?: readonly ScoredLabelledPair[] };
  candidates: readonly number[];
  curve: readonly number[];
}

export interface ReportResult {
  text: string;
  pick: PickResult;
}

const shortName = (file: string) => file.replace(/\.dev\.jsonl$|\.jsonl$/, '').replace(/^pairs-|^paraphrases-/, '');

function setRows(pairs: readonly ScoredLabelledPair[], threshold: number, useVerifier: boolean): string[][] {
  const groups = [...new Set(pairs.map((p) => p.group))].sort();
  return groups.map((group) => {
    const at = evaluateAt(pairs.filter((p) => p.group === group), threshold, { useVerifier });
    return [
      group,
      String(at.positives),
      at.positives ? `${pct(at.hitRate)} (${at.hits})` : '-',
      String(at.negatives),
      at.negatives ? `${pct(at.falseHitRate)} (${at.falseHits})` : '-',
    ];
  });
}

function kindRows(
  pairs: readonly ScoredLabelledPair[],
  threshold: number,
  useVerifier: boolean,
  keyOf: (p: ScoredLabelledPair) => string,
): string[][] {
  const key = (p: ScoredPair) => keyOf(p as ScoredLabelledPair);
  const withV = breakdown(pairs, threshold, key, { useVerifier });
  const cosine = new Map(breakdown(pairs, threshold, key, { useVerifier: false }).map((r) => [r.key, r]));
  return withV.map((r) => {
    const c = cosine.get(r.key)!;
    return [r.key, String(r.count), `${pct(r.rate)} (${r.hits})`, `${pct(c.rate)} (${c.hits})`, String(r.rejectedByVerifier)];
  });
}

function summaryLine(label: string, at: RateAt): string {
  return (
    `${label}: same-meaning hit rate ${pct(at.hitRate)} (${at.hits}/${at.positives}), ` +
    `false-hit rate ${pct(at.falseHitRate)} (${at.falseHits}/${at.negatives}; 95% upper bound ${pct(wilsonUpper(at.falseHits, at.negatives))})`
  );
}

/**
 * Hit rate per file with same-meaning pairs, and the false-hit rate on different-meaning pairs, at each
 * threshold: first with the verifier (`+v`), then cosine only.
 */
function curveTable(pairs: readonly ScoredLabelledPair[], thresholds: readonly number[]): string {
  const groups = [...new Set(pairs.filter((p) => p.same).map((p) => p.group))].sort();
  const negatives = pairs.filter((p) => !p.same);
  const header = ['threshold'];
  for (const mode of ['+v', 'cos']) {
    for (const g of groups) header.push(`hit ${shortName(g)} ${mode}`);
    header.push(`false ${mode}`);
  }
  const rows = thresholds.map((t) => {
    const row = [t.toFixed(2)];
    for (const useVerifier of [true, false]) {
      for (const g of groups) row.push(pct(evaluateAt(pairs.filter((p) => p.same && p.group === g), t, { useVerifier }).hitRate));
      row.push(negatives.length ? pct(evaluateAt(negatives, t, { useVerifier }).falseHitRate) : '-');
    }
    return row;
  });
  return table(header, rows);
}

/** Picks the threshold on `calibration` and renders everything as text. */
export function renderReport(input: ReportInput): ReportResult {
  const { useVerifier, maxFalseHitRate } = input;
  const pick = pickThreshold(input.calibration, { maxFalseHitRate, useVerifier, candidates: input.candidates });
  const out: string[] = [];
  out.push(`embedder: ${input.embedderLabel}   verifier: ${useVerifier ? 'on' : 'off'}   target: false-hit rate <= ${pct(maxFalseHitRate)}`);
  const scope = input.holdout ? 'tuning part (~70%, split by a hash of the pair text)' : 'all pairs';
  out.push(`calibrated on ${scope}: ${input.calibration.length} pairs; candidates ${input.candidates[0]?.toFixed(3)} to ${input.candidates.at(-1)?.toFixed(3)}`);
  if (!pick.ok) {
    out.push('');
    out.push(
      `NO THRESHOLD meets the target: even at ${pick.highest.threshold.toFixed(3)} the false-hit rate is ` +
        `${pct(pick.highest.falseHitRate)} (${pick.highest.falseHits}/${pick.highest.negatives}).`,
    );
  }
  const threshold = pick.ok ? pick.threshold : pick.highest.threshold;
  if (pick.ok) {
    out.push('');
    out.push(`lowest threshold meeting the target: ${threshold.toFixed(3)}`);
    out.push(summaryLine('  calibration pairs', pick.at));
  }
  if (input.holdout) out.push(summaryLine('  held-out pairs   ', evaluateAt(input.holdout, threshold, { useVerifier })));
  if (input.unrelated?.calibration.length) {
    const { calibration: unrelated, holdout: unrelatedHeldOut } = input.unrelated;
    const line = (label: string, pairs: readonly ScoredLabelledPair[], t: number) => {
      const at = evaluateAt(pairs, t, { useVerifier });
      return `${label}: false-hit rate ${pct(at.falseHitRate)} (${at.falseHits}/${at.negatives})`;
    };
    out.push('');
    out.push(`sanity check with unrelated pairs (each pair's "a" against the "b" of another pair of the same file and part):`);
    out.push(line(`  calibration part at ${threshold.toFixed(3)}`, unrelated, threshold));
    if (unrelatedHeldOut) out.push(line(`  held-out part at ${threshold.toFixed(3)}   `, unrelatedHeldOut, threshold));
    // Unrelated pairs are plentiful, so they can be held to the 95% upper bound rather than the point estimate.
    const both = pickThreshold(unrelated, {
      maxFalseHitRate,
      useVerifier,
      bound: 'wilson95',
      candidates: input.candidates.filter((t) => t >= threshold),
    });
    if (!both.ok) out.push('  unrelated pairs miss the target at every candidate threshold');
    else {
      const t = both.threshold;
      const hitAt = (pairs: readonly ScoredLabelledPair[]) => evaluateAt(pairs, t, { useVerifier });
      out.push(
        `  recommended threshold: ${t.toFixed(3)} — the lowest that meets the target on the labelled pairs and keeps the 95% ` +
          `upper bound of unrelated-pair false hits (calibration part) under the target`,
      );
      out.push(summaryLine(`    calibration pairs at ${t.toFixed(3)}`, hitAt(input.calibration)));
      if (input.holdout) out.push(summaryLine(`    held-out pairs at ${t.toFixed(3)}   `, hitAt(input.holdout)));
      if (unrelatedHeldOut) out.push(line(`    held-out unrelated pairs at ${t.toFixed(3)}`, unrelatedHeldOut, t));
    }
  }

  const sections: Array<[string, readonly ScoredLabelledPair[]]> = [['calibration pairs', input.calibration]];
  if (input.holdout) sections.push(['held-out pairs', input.holdout]);
  for (const [label, pairs] of sections) {
    out.push('');
    out.push(`${label} at ${threshold.toFixed(3)}, per data set:`);
    out.push(table(['file', 'same', 'hit rate', 'different', 'false hits'], setRows(pairs, threshold, useVerifier)));
    out.push('');
    out.push(`${label} at ${threshold.toFixed(3)}, per kind, per language and per kind and language (for different-meaning kinds a hit is a false hit):`);
    const header = ['group', 'pairs', useVerifier ? 'hits (verifier)' : 'hits', 'hits (cosine only)', 'verifier rejected'];
    const labelled = pairs.filter((p) => p.lang !== '?' || !p.same);
    out.push(
      table(header, [
        ...kindRows(labelled, threshold, useVerifier, (p) => (p.same ? 'same meaning (all)' : 'different meaning (all)')),
        ...kindRows(labelled, threshold, useVerifier, (p) => `${p.same ? 'same' : 'different'}/${p.lang}`),
        ...kindRows(pairs, threshold, useVerifier, (p) => p.kind),
        ...kindRows(labelled.filter((p) => p.lang !== '?'), threshold, useVerifier, (p) => `${p.kind}/${p.lang}`),
      ]),
    );
  }
  for (const [label, pairs] of sections) {
    out.push('');
    out.push(`curve on ${label} (+v: with the verifier, cos: cosine only):`);
    out.push(curveTable(pairs, input.curve));
  }
  return { text: out.join('\n'), pick };
}

/** Default candidate thresholds: 0.50 to 1.00 in steps of 0.005. Below 0.5 a cosine says too little to serve. */
export const DEFAULT_CANDIDATES = thresholdGrid(0.5, 1, 0.005);
export const DEFAULT_CURVE = thresholdGrid(0.5, 0.95, 0.05);
