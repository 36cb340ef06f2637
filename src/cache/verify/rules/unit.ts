/**
 * Unit rule: where both texts name a unit of the same dimension, they must name the same units ("per day" vs
 * "per week", "km" vs "miles", "Tassen" vs "Esslöffel", "Celsius" vs "Fahrenheit"); and two texts that both name
 * units but share no dimension at all ("litres" vs "kilograms") ask for different quantities.
 *
 * Why: the number is often identical ("7 days" vs "7 weeks"), so only the unit shows the change.
 * Recall cost: a paraphrase that converts the unit ("one day" vs "24 hours") is rejected. A unit mentioned on one
 * side only ("how long" vs "how many minutes") is let through.
 */
import { COMPOUND_HEADS, UNITS_LEXICON, type UnitForm } from '../lexicon/units.ts';
import type { Lang, TextFeatures, Word } from '../types.ts';

export interface UnitFeatures {
  /** unit id → dimension and the words that named it. */
  found: Map<string, { dimension: string; text: string }>;
}

export function extractUnits(words: readonly Word[], lang: Lang): UnitFeatures {
  const found = new Map<string, { dimension: string; text: string }>();
  const add = (form: UnitForm, text: string) => {
    if (form.germanOnly && lang === 'en') return;
    if (!found.has(form.unit)) found.set(form.unit, { dimension: form.dimension, text });
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.kind === 'number') continue;
    const match = UNITS_LEXICON.longestAt(words, i);
    if (match) {
      add(match.value, words.slice(i, i + match.length).map((x) => x.text).join(' '));
      i += match.length - 1;
      continue;
    }
    if (w.kind === 'word' && w.text.length > 8) {
      for (const [head, headForm] of COMPOUND_HEADS) {
        if (w.text.endsWith(head) && w.text.length >= head.length + 3) {
          add(headForm, w.text);
          break;
        }
      }
    }
  }
  return { found };
}

export function checkUnits(a: TextFeatures, b: TextFeatures): string | undefined {
  const ua = a.measures.found;
  const ub = b.measures.found;
  if (ua.size === 0 || ub.size === 0) return undefined;
  const dimsA = new Set([...ua.values()].map((v) => v.dimension));
  const dimsB = new Set([...ub.values()].map((v) => v.dimension));
  const shared = [...dimsA].filter((d) => dimsB.has(d));
  const show = (m: Map<string, { dimension: string; text: string }>, dim?: string) =>
    [...m.values()].filter((v) => dim === undefined || v.dimension === dim).map((v) => v.text).join(', ');
  if (shared.length === 0) return `units differ: ${show(ua)} vs ${show(ub)}`;
  for (const dim of shared) {
    const ia = [...ua].filter(([, v]) => v.dimension === dim).map(([k]) => k).sort();
    const ib = [...ub].filter(([, v]) => v.dimension === dim).map(([k]) => k).sort();
    if (ia.join() !== ib.join()) return `units differ: ${show(ua, dim)} vs ${show(ub, dim)}`;
  }
  return undefined;
}
