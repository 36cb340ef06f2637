/**
 * Negation rule: both texts must be negated the same number of times, modulo two ("which stops have step-free
 * access" vs "which stops don't"; "mit Milch" vs "ohne Milch"; "in our district" vs "outside our district").
 *
 * Why: a negation flips the answer (complementary lists, opposite yes/no) while moving the embedding very little.
 * Recall cost: a paraphrase that expresses the negation with a word instead ("not accepted" vs "rejected")
 * would be rejected; the analyser folds the common ones (`NEGATED_FOLDS`, "without a ticket" → "free"), the rest
 * are lost. Double negations count as none.
 */
import { NEGATION_CUES } from '../lexicon/negation.ts';
import type { TextFeatures, Word } from '../types.ts';

export interface NegationFeatures {
  cues: string[];
}

export function extractNegation(words: readonly Word[]): NegationFeatures {
  const cues = words.filter((w) => w.kind === 'word' && NEGATION_CUES.has(w.text)).map((w) => w.text);
  // "too large to fit" is "does not fit".
  words.forEach((w, i) => {
    if (w.text === 'too' && (words[i + 2]?.text === 'to' || words[i + 3]?.text === 'to')) cues.push('too … to');
  });
  return { cues };
}

export function checkNegation(a: TextFeatures, b: TextFeatures): string | undefined {
  const pa = a.negation.cues.length % 2;
  const pb = b.negation.cues.length % 2;
  if (pa === pb) return undefined;
  const show = (cues: string[]) => (cues.length ? cues.join(', ') : 'none');
  return `negation differs: ${show(a.negation.cues)} vs ${show(b.negation.cues)}`;
}
