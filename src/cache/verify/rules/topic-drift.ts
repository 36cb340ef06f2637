/**
 * Topic-drift rule: the texts must share enough content words (after synonyms, typos and compounds are
 * matched): "How long does the Saarbahn take to Sarreguemines?" and "How long does yeast dough take to rise?"
 * share only their frame.
 *
 * Why: a shared frame ("how long does X take", "what does X cost") pulls embeddings together even when X differs.
 * Recall cost: paraphrases that reword every content word ("Where do I drop off old electronics?" vs "How do I
 * dispose of electrical appliances?") fall below the floor unless the synonym lexicon links them; the floor is
 * set low for that reason, and the contrast rule handles the near-identical frames.
 */
import { unitsRelated } from '../similarity.ts';
import type { TextFeatures, Unit } from '../types.ts';

/**
 * Concepts that frame a question rather than name its subject ("what does X cost", "how do I convert X", "how
 * does X work"): two questions sharing only these are about different things.
 */
const FRAME_CONCEPTS = new Set(['cost', 'pay', 'procedure', 'need', 'possible', 'explain', 'happen', 'name', 'convert', 'obtain', 'apply', 'duty', 'allowed', 'difference']);

/** Topic words: content words and units of measure, without numbers and question-frame concepts. */
const topicUnits = (units: readonly Unit[]) =>
  units.filter((u) => (u.content || u.measure) && !u.isNumber && !FRAME_CONCEPTS.has(u.key));

/** Minimum share of content units (both texts together) that find a related unit in the other text. */
export const MIN_OVERLAP = 0.3;
/**
 * For long texts (both at least `LONG_TEXT` content units) the floor is higher: a reworded statement keeps most
 * of its content words, while two different statements about one subject share only the subject's vocabulary
 * (measured on the tuning part: 0.4 rejects ~1% of reworded GPTCache answers and ~96% of unrelated ones).
 */
export const MIN_OVERLAP_LONG = 0.4;
export const LONG_TEXT = 8;

export function contentOverlap(a: TextFeatures, b: TextFeatures): number {
  const ca = topicUnits(a.units);
  const cb = topicUnits(b.units);
  if (ca.length + cb.length === 0) return 1;
  const hitsA = ca.filter((x) => cb.some((y) => unitsRelated(x, y))).length;
  const hitsB = cb.filter((y) => ca.some((x) => unitsRelated(x, y))).length;
  return (hitsA + hitsB) / (ca.length + cb.length);
}

export function checkTopicDrift(a: TextFeatures, b: TextFeatures): string | undefined {
  const shorter = Math.min(topicUnits(a.units).length, topicUnits(b.units).length);
  if (shorter === 0) return undefined;
  const overlap = contentOverlap(a, b);
  // A one-word topic ("Was kostet die Sperrmüllabholung?") only drifts when nothing at all is shared.
  if (shorter === 1 ? overlap > 0 : overlap >= (shorter >= LONG_TEXT ? MIN_OVERLAP_LONG : MIN_OVERLAP)) return undefined;
  return `little content in common (${Math.round(overlap * 100)}% of content words shared)`;
}
