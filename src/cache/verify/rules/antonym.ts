/**
 * Antonym rule: the texts must not sit on opposite poles of one axis of meaning — open/close, earliest/latest,
 * cheapest/most expensive, add/remove, anmelden/abmelden, ascending/descending, sunrise/sunset... (lexicon:
 * `lexicon/antonyms.ts`), nor use a word and its opposite-prefixed form ("subscribe"/"unsubscribe",
 * "upload"/"download", "aktivieren"/"deaktivieren").
 *
 * Why: opposites share context, so embeddings put them close together; the answers are opposite.
 * Recall cost: a text that mentions both poles is never rejected on that axis; a paraphrase that swaps a word for
 * its opposite plus a negation ("not open" vs "closed") is folded by the analyser for common cases only.
 */
import { ANTONYMS_LEXICON, PREFIX_OPPOSITES } from '../lexicon/antonyms.ts';
import type { TextFeatures, Word } from '../types.ts';

export interface AntonymFeatures {
  /** axis id → poles present (0 or 1) with the words that named them. */
  poles: Map<string, Map<0 | 1, string>>;
  /** Content words (stems) for the opposite-prefix check. */
  stems: Set<string>;
}

export function extractAntonyms(words: readonly Word[]): AntonymFeatures {
  const poles = new Map<string, Map<0 | 1, string>>();
  for (let i = 0; i < words.length; i++) {
    for (const { length, value } of ANTONYMS_LEXICON.matchesAt(words, i)) {
      let entry = poles.get(value.axis);
      if (!entry) poles.set(value.axis, (entry = new Map()));
      if (!entry.has(value.pole)) entry.set(value.pole, words.slice(i, i + length).map((x) => x.text).join(' '));
    }
  }
  const stems = new Set(words.filter((w) => w.kind === 'word' && w.text.length >= 5).map((w) => w.stem));
  return { poles, stems };
}

function prefixOpposite(x: string, y: string): boolean {
  for (const [p, q] of PREFIX_OPPOSITES) {
    for (const [u, v] of [[x, y], [y, x]] as const) {
      if (u.startsWith(p) && v.startsWith(q)) {
        const base = u.slice(p.length);
        if (base.length >= 4 && v.slice(q.length) === base) return true;
      }
    }
  }
  return false;
}

export function checkAntonyms(a: TextFeatures, b: TextFeatures): string | undefined {
  for (const [axis, polesA] of a.antonyms.poles) {
    const polesB = b.antonyms.poles.get(axis);
    if (!polesB) continue;
    const onlyA = [...polesA.keys()].filter((p) => !polesB.has(p));
    const onlyB = [...polesB.keys()].filter((p) => !polesA.has(p));
    if (onlyA.length > 0 && onlyB.length > 0) {
      return `opposites (${axis}): ${polesA.get(onlyA[0]!)} vs ${polesB.get(onlyB[0]!)}`;
    }
  }
  for (const x of a.antonyms.stems) {
    if (b.antonyms.stems.has(x)) continue;
    for (const y of b.antonyms.stems) {
      if (a.antonyms.stems.has(y)) continue;
      if (prefixOpposite(x, y)) return `opposite prefixes: ${x} vs ${y}`;
    }
  }
  return undefined;
}
