/**
 * Scope rule: the texts must not name different values of one scope dimension — audience (adults vs children,
 * students vs pensioners), party (private vs business), quantity (one row vs all rows), channel (online vs in
 * person), period (weekend vs weekdays), case (first application vs renewal), place (abroad vs in Germany)...
 * (lexicon: `lexicon/scope.ts`). A singular with an article ("eine Spalte") counts as "one" against "mehrere
 * Spalten"/"alle Elemente" of the same noun.
 *
 * Why: the topic is identical, only who or how much it applies to changes — and with it the fee, the rule or
 * the query.
 * Recall cost: a text naming both values is never rejected on that dimension; a paraphrase that swaps a scope
 * word for a synonym the lexicon files under another value is rejected.
 */
import { SCOPE_LEXICON } from '../lexicon/scope.ts';
import type { TextFeatures, Word } from '../types.ts';

export interface ScopeFeatures {
  /** dimension → value → the words that named it. */
  values: Map<string, Map<string, string>>;
  /** Stems of nouns preceded by "a/an/ein(e)" (singular, one). */
  singularNouns: Set<string>;
  /** Stems of nouns preceded by "all/several/mehrere/alle". */
  pluralNouns: Map<string, string>;
}

const INDEFINITE = new Set(['a', 'an', 'one', 'ein', 'eine', 'einen', 'einem', 'einer', 'eines', 'einzelnes', 'einzelne', 'einzelnen']);
const MANY = new Set(['all', 'several', 'multiple', 'alle', 'allen', 'mehrere', 'mehreren']);

export function extractScope(words: readonly Word[]): ScopeFeatures {
  const values = new Map<string, Map<string, string>>();
  for (let i = 0; i < words.length; i++) {
    for (const { length, value } of SCOPE_LEXICON.matchesAt(words, i)) {
      let entry = values.get(value.dimension);
      if (!entry) values.set(value.dimension, (entry = new Map()));
      if (!entry.has(value.value)) entry.set(value.value, words.slice(i, i + length).map((x) => x.text).join(' '));
    }
  }
  const singularNouns = new Set<string>();
  const pluralNouns = new Map<string, string>();
  for (let i = 0; i + 1 < words.length; i++) {
    const w = words[i]!;
    if (!INDEFINITE.has(w.text) && !MANY.has(w.text)) continue;
    // The noun is the next word or the one after an adjective: "ein einzelnes Element", "alle neuen Spalten".
    for (const noun of [words[i + 1], words[i + 2]]) {
      if (!noun || noun.kind !== 'word' || noun.clauseEnd && noun !== words[i + 1]) continue;
      if (INDEFINITE.has(w.text)) singularNouns.add(noun.stem);
      else pluralNouns.set(noun.stem, `${w.text} ${noun.text}`);
    }
  }
  return { values, singularNouns, pluralNouns };
}

export function checkScope(a: TextFeatures, b: TextFeatures): string | undefined {
  for (const [dim, valuesA] of a.scope.values) {
    const valuesB = b.scope.values.get(dim);
    if (!valuesB) continue;
    const onlyA = [...valuesA.keys()].filter((v) => !valuesB.has(v));
    const onlyB = [...valuesB.keys()].filter((v) => !valuesA.has(v));
    if (onlyA.length > 0 && onlyB.length > 0) {
      return `scope (${dim}): ${valuesA.get(onlyA[0]!)} vs ${valuesB.get(onlyB[0]!)}`;
    }
  }
  for (const [x, y] of [[a, b], [b, a]] as const) {
    for (const [noun, text] of x.scope.pluralNouns) {
      if (y.scope.singularNouns.has(noun) && !y.scope.pluralNouns.has(noun) && !x.scope.singularNouns.has(noun)) {
        return x === a ? `scope (quantity): ${text} vs one` : `scope (quantity): one vs ${text}`;
      }
    }
  }
  return undefined;
}
