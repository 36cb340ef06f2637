/**
 * Added-detail rule (one-directional): the cached question names a specific thing that the new question does
 * not mention at all, so its answer is about that thing: "Gilt mein Bewohnerparkausweis auch für einen
 * Mietwagen?" must not answer "Wie beantrage ich einen Bewohnerparkausweis?", nor "Is there a dog tax discount
 * for assistance dogs?" answer "... for rescue dogs from a shelter?".
 *
 * Why: the other rules catch designed one-slot flips; on a stream of real questions most wrong hits were a
 * *different question on the same topic* stored earlier (bench quality suite, workload replay), where the
 * embedding sees the shared subject ("Bewohnerparkausweis") and little else. Pair files cannot show this, because
 * each pair is alone in its namespace.
 *
 * "Specific" is approximated by length: a single hard (not soft) content word of at least `MIN_DETAIL_LETTERS`
 * letters (multi-word units are lexicon concepts, whose synonyms the lexicon already links). Short words are mostly general vocabulary that rewordings swap freely (new, leave, count, gilt, Zeit),
 * long ones mostly specific nouns and German compounds (Mietwagen, Assistenzhund, Volksabstimmung). Measured on
 * the dev data with USE lite (bench/README.md): at 6 letters paraphrase recall drops sharply, at 8 a hard
 * negative slips through.
 *
 * Only the cached side is checked: a more general cached answer often still answers a more specific question,
 * the reverse almost never. Long texts (more than `MAX_CONTENT` content units, typically reworded statements)
 * are left to the topic-drift rule: rewording a long statement changes many long words.
 * Recall cost: a paraphrase whose cached wording uses a long word with no synonym, typo or compound link to the
 * new wording ("schoolchildren" vs "pupils") misses; the request goes upstream and its answer is cached too.
 */
import { meaningful, unitsRelated } from '../similarity.ts';
import type { TextFeatures } from '../types.ts';

export const MIN_DETAIL_LETTERS = 7;
export const MAX_CONTENT = 8;

export function checkAddedDetail(query: TextFeatures, candidate: TextFeatures): string | undefined {
  const asked = meaningful(query.units);
  const cached = meaningful(candidate.units);
  if (asked.length === 0 || cached.length === 0 || asked.length > MAX_CONTENT || cached.length > MAX_CONTENT) return undefined;
  const added = cached.filter((unit) => !unit.soft && unit.end - unit.start === 1 && unit.text.length >= MIN_DETAIL_LETTERS && !asked.some((x) => unitsRelated(x, unit)));
  if (added.length === 0) return undefined;
  return `the cached question is about something this one does not mention: ${added.map((u) => u.text).join(', ')}`;
}
