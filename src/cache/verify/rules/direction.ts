/**
 * Direction rule: the texts must not swap the roles of two things —
 * (1) explicit roles: "from A to B" vs "from B to A", "von A nach B", "aus A ins B", "convert A to B",
 *     "A in B umwandeln", "A durch B ersetzen", "leave A for B": source and target phrases are extracted around
 *     the markers (`lexicon/direction.ts`) and a pair whose source and target trade places rejects;
 * (2) an exchange: the texts align except for two spans that trade places with a marker between them in both
 *     ("Liegt Saarbrücken nördlich von Metz?" vs "Liegt Metz nördlich von Saarbrücken?").
 * Symmetric wording ("between", "distance", "difference", "vs") turns the rule off: the distance from A to B is
 * the distance between B and A. Spans joined by "and"/"or" are coordination, not direction.
 *
 * Why: every word is shared, so embeddings and bag-of-words checks see the same question.
 * Recall cost: a reordered paraphrase that keeps the markers but swaps the phrases ("to B from A" is fine — the
 * roles stay) only rejects when roles really trade; symmetric relations without a symmetric word ("A and B
 * border each other") can be rejected.
 */
import { SOURCE_MARKERS, SYMMETRIC_MARKERS, TARGET_MARKERS } from '../lexicon/direction.ts';
import { align, meaningful } from '../similarity.ts';
import type { Lang, TextFeatures, Unit, Word } from '../types.ts';

export interface RolePair {
  source: string[];
  target: string[];
}

export interface DirectionFeatures {
  pairs: RolePair[];
  symmetric: boolean;
}

const COORDINATORS = new Set(['and', 'und', 'or', 'oder', 'vs', 'versus', 'sowie']);
/** Symmetric words that neutralise direction wherever they stand (coordinators only between the spans). */
const SYMMETRIC_ANYWHERE = new Set([...SYMMETRIC_MARKERS].filter((w) => !COORDINATORS.has(w) && !['both', 'beide', 'beiden'].includes(w)));
const MAX_PHRASE = 3;

function unitAtWord(units: readonly Unit[], wordIndex: number): number {
  return units.findIndex((u) => u.start <= wordIndex && wordIndex < u.end);
}

/** Words that may stand inside a role phrase: articles and possessives ("from *the* university"). */
const PHRASE_GLUE = new Set([
  'a', 'an', 'the', 'my', 'your', 'our', 'their', 'its', 'der', 'die', 'das', 'den', 'dem', 'des', 'ein', 'eine',
  'einen', 'einem', 'einer', 'eines', 'mein', 'meine', 'meinen', 'meinem', 'meiner', 'unser', 'unsere', 'unseren',
]);
/** A unit that names a thing for role purposes: not a function word or number (units of measure count). */
const named = (unit: Unit) => !unit.stop && !unit.isNumber;

/** Keys of up to MAX_PHRASE named units right after word `i`, up to the next function word or clause end. */
function phraseAfter(words: readonly Word[], units: readonly Unit[], i: number): string[] {
  const out: string[] = [];
  let u = unitAtWord(units, i) + 1;
  while (u > 0 && u < units.length && out.length < MAX_PHRASE) {
    const unit = units[u]!;
    const first = words[unit.start]!.text;
    if (TARGET_MARKERS.has(first) || SOURCE_MARKERS.has(first)) break;
    if (named(unit)) out.push(unit.key);
    else if (unit.isNumber || PHRASE_GLUE.has(unit.text)) {
      // skip
    } else break;
    if (words[unit.end - 1]!.clauseEnd) break;
    u++;
  }
  return out;
}

/** The nearest named unit before word `i` (within 4 units, same clause). */
function headBefore(words: readonly Word[], units: readonly Unit[], i: number): string[] {
  let u = unitAtWord(units, i) - 1;
  for (let steps = 0; u >= 0 && steps < 4; u--, steps++) {
    const unit = units[u]!;
    if (words[unit.end - 1]!.clauseEnd) break;
    if (named(unit)) return [unit.key];
  }
  return [];
}

/** German "in der/dem/einer/einem" is where something is, "in die/den/eine" or a bare noun where it goes. */
const DATIVE = new Set(['der', 'dem', 'einer', 'einem', 'meiner', 'meinem', 'unserer', 'unserem']);

/** "for" gives a direction only after a verb of exchange or departure: "leave A for B", "swap A for B". */
const FOR_VERBS = /^(leav|left|depart|exchang|swap|trad|substitut|replac|switch|chang)/;

function isTargetMarker(words: readonly Word[], i: number, lang: Lang): boolean {
  const w = words[i]!;
  if (!TARGET_MARKERS.has(w.text)) return false;
  if (w.text === 'in') return lang !== 'en' && !DATIVE.has(words[i + 1]?.text ?? '');
  if (w.text === 'for') {
    for (let k = i - 1; k >= 0 && !words[k]!.clauseEnd; k--) if (FOR_VERBS.test(words[k]!.text)) return true;
    return false;
  }
  return true;
}

export function extractDirection(words: readonly Word[], units: readonly Unit[], lang: Lang): DirectionFeatures {
  const pairs: RolePair[] = [];
  let lastSource = -1;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.kind !== 'word') continue;
    // A marker inside a filler phrase ("how to", "in order to") is no marker.
    const unit = units[unitAtWord(units, i)];
    if (unit && unit.end - unit.start > 1) continue;
    if (SOURCE_MARKERS.has(w.text)) {
      lastSource = i;
      continue;
    }
    if (!isTargetMarker(words, i, lang)) continue;
    const target = phraseAfter(words, units, i);
    if (target.length === 0) continue;
    // "from A to B": the source is the phrase after "from"; otherwise the word before the marker ("A to B").
    const sameClause = lastSource >= 0 && !words.slice(lastSource, i).some((x) => x.clauseEnd);
    const source = sameClause ? phraseAfter(words, units, lastSource) : headBefore(words, units, i);
    lastSource = -1;
    if (source.length > 0) pairs.push({ source, target });
  }
  const symmetric = words.some((w) => SYMMETRIC_ANYWHERE.has(w.text));
  return { pairs, symmetric };
}

function reversedRoles(a: TextFeatures, b: TextFeatures): string | undefined {
  for (const p of a.direction.pairs) {
    for (const q of b.direction.pairs) {
      const x = p.source.find((k) => q.target.includes(k) && !p.target.includes(k) && !q.source.includes(k));
      const y = p.target.find((k) => q.source.includes(k) && !p.source.includes(k) && !q.target.includes(k));
      if (x !== undefined && y !== undefined && x !== y) return `roles swapped: ${x} → ${y} vs ${y} → ${x}`;
    }
  }
  return undefined;
}

const hasMarker = (words: readonly Word[], from: number, to: number) =>
  words.slice(from, to).some((w) => TARGET_MARKERS.has(w.text) || SOURCE_MARKERS.has(w.text) || w.text === 'when' || w.text === 'wenn');
const hasCoordinator = (words: readonly Word[], from: number, to: number) => words.slice(from, to).some((w) => COORDINATORS.has(w.text));
const contentBetween = (units: readonly Unit[], from: number, to: number) =>
  units.filter((u) => u.start >= from && u.end <= to && u.content).length;
const keys = (units: readonly Unit[]) => meaningful(units).map((u) => u.key).sort().join(' ');

/** Beyond this many units the exchange check is skipped: its alignment is quadratic, and swaps are a short-question trap. */
const MAX_EXCHANGE_UNITS = 40;

/** Two differing spans that trade places between the texts, with a marker between them in both. */
function exchange(a: TextFeatures, b: TextFeatures): string | undefined {
  if (a.units.length > MAX_EXCHANGE_UNITS || b.units.length > MAX_EXCHANGE_UNITS) return undefined;
  const { hunks } = align(a.units, b.units);
  for (let h = 0; h < hunks.length; h++) {
    for (let k = h + 1; k < hunks.length; k++) {
      const first = hunks[h]!;
      const second = hunks[k]!;
      const a1 = keys(first.a);
      const b1 = keys(first.b);
      if (!a1 || !b1 || a1 === b1 || a1 !== keys(second.b) || b1 !== keys(second.a)) continue;
      const aFrom = first.a[first.a.length - 1]!.end;
      const aTo = second.a[0]!.start;
      const bFrom = first.b[first.b.length - 1]!.end;
      const bTo = second.b[0]!.start;
      if (!hasMarker(a.words, aFrom, aTo) || !hasMarker(b.words, bFrom, bTo)) continue;
      if (hasCoordinator(a.words, aFrom, aTo) || hasCoordinator(b.words, bFrom, bTo)) continue;
      // The relation sits right between the two spans ("A north of B", "A to B"), not across a whole clause.
      if (contentBetween(a.units, aFrom, aTo) > 1 || contentBetween(b.units, bFrom, bTo) > 1) continue;
      return `order swapped: ${a1} … ${b1} vs ${b1} … ${a1}`;
    }
  }
  return undefined;
}

export function checkDirection(a: TextFeatures, b: TextFeatures): string | undefined {
  if (a.direction.symmetric || b.direction.symmetric) return undefined;
  return reversedRoles(a, b) ?? exchange(a, b);
}
