/**
 * Contrast rule (token-level substitution): when the two texts share most of their sentence frame and, at one
 * place, each holds a content word the other lacks — not a synonym, a typo, part of a compound of the other, nor
 * a soft word that rewordings swap freely — the question is about something else: "dispose of old paint cans"
 * vs "dispose of an old passport", "Schwimmkurs für Kinder" vs "Personalausweis für Kinder", "Wie reinige ich
 * meine Biotonne" vs "... meine Pfanne".
 *
 * Why: most hard negatives are one-slot edits of a real question, and no gazetteer lists every noun. This is
 * what handles German nouns (capitalisation says nothing there about names) and topic swaps in a shared frame.
 * Recall cost: a paraphrase that swaps one noun for a synonym the lexicon lacks, inside an otherwise identical
 * frame, is rejected. Rewordings that change more (under `MIN_SHARED` of the frame aligned, or more than
 * `MAX_EDITS` separate edits) and long texts (`MAX_CONTENT`) are left to the embedding and the other rules.
 */
import { align, meaningful, unitsRelated } from '../similarity.ts';
import type { TextFeatures, Unit } from '../types.ts';

/** Share of the longer text's units (function words included: they are the frame) that must align. */
export const MIN_SHARED = 0.5;
/** A hunk with more hard content units than this on either side is a rewording, not a one-slot swap. */
export const MAX_SWAP = 3;
/** More separate content edits than this: a rewording, not a one-slot swap. */
export const MAX_EDITS = 2;
/**
 * Only texts with at most this many content units are compared: in a short question one swapped noun is another
 * question; in a long statement it is mostly rewording (measured: questions in the handwritten set have at most
 * 8 content units, the reworded documentation answers of the GPTCache set a median of 11).
 */
export const MAX_CONTENT = 10;

const hard = (units: readonly Unit[]) => meaningful(units).filter((u) => !u.soft);

export function checkContrast(a: TextFeatures, b: TextFeatures): string | undefined {
  const contentA = meaningful(a.units);
  const contentB = meaningful(b.units);
  if (contentA.length === 0 || contentB.length === 0) return undefined;
  if (contentA.length > MAX_CONTENT || contentB.length > MAX_CONTENT) return undefined;
  const frame = align(a.units, b.units);
  if (frame.matches.length / Math.max(a.units.length, b.units.length) < MIN_SHARED) return undefined;
  if (!frame.matches.some(([i]) => a.units[i]!.content)) return undefined;
  // Swaps are read off the content words alone, so a shared article between "zone A" and "a disabled driver"
  // does not split one swap into a deletion and an insertion.
  const edits = align(contentA, contentB).hunks;
  if (edits.length > MAX_EDITS) return undefined;
  for (const hunk of edits) {
    // A word that only moved (it appears elsewhere in the other text) is not a swap.
    const onlyA = meaningful(hunk.a).filter((x) => !contentB.some((y) => unitsRelated(x, y)));
    const onlyB = meaningful(hunk.b).filter((y) => !contentA.some((x) => unitsRelated(x, y)));
    if (onlyA.length === 0 || onlyB.length === 0) continue;
    // Both sides must bring a hard word — except in German, where a capitalised noun replacing verbs
    // ("schwimmen gehen" vs "Weihnachtsbaum entsorgen") is a new topic too.
    const hardA = hard(onlyA).length > 0;
    const hardB = hard(onlyB).length > 0;
    if (!(hardA && hardB) && !(hardA && onlyA.some((u) => u.noun)) && !(hardB && onlyB.some((u) => u.noun))) continue;
    if (onlyA.length > MAX_SWAP || onlyB.length > MAX_SWAP) continue;
    return `swapped: ${onlyA.map((u) => u.text).join(' ')} vs ${onlyB.map((u) => u.text).join(' ')}`;
  }
  return undefined;
}
