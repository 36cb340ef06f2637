/**
 * Matching lexicon forms against a text's words: single words (folded text or stem), prefixes (`word*` in the
 * lexicon files) and phrases (consecutive words). `Lexicon` indexes the forms (word map, prefix buckets by first
 * three letters, phrases by first word) so one pass over a text costs a few map lookups per word.
 */
import type { Word } from './types.ts';

/** Splits a lexicon form list ("a, b*, two words, hyphen-ated") into its forms. */
export function splitForms(list: string): string[] {
  return list
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}

export class Lexicon<T> {
  private readonly words = new Map<string, T[]>();
  private readonly prefixes = new Map<string, Array<readonly [string, T]>>();
  private readonly phrases = new Map<string, Array<readonly [readonly string[], T]>>();

  /** `word`, `prefix*` (at least 3 letters) or a phrase (words separated by spaces or hyphens). */
  add(form: string, value: T): this {
    if (form.endsWith('*')) {
      const prefix = form.slice(0, -1);
      if (prefix.length < 3) throw new Error(`prefix too short: ${form}`);
      const bucket = this.prefixes.get(prefix.slice(0, 3)) ?? [];
      bucket.push([prefix, value]);
      // Longest prefix first: "bewohnerparkausweis*" before "bewohner*".
      bucket.sort((x, y) => y[0].length - x[0].length);
      this.prefixes.set(prefix.slice(0, 3), bucket);
      return this;
    }
    // Phrases split at spaces, hyphens and dots ("st. ingbert"); a dotted word alone stays one token ("e.g").
    const parts = /[\s-]/.test(form) ? form.split(/[\s.-]+/).filter(Boolean) : [form];
    if (parts.length > 1) {
      const list = this.phrases.get(parts[0]!) ?? [];
      list.push([parts, value]);
      list.sort((x, y) => y[0].length - x[0].length);
      this.phrases.set(parts[0]!, list);
      return this;
    }
    const list = this.words.get(form) ?? [];
    list.push(value);
    this.words.set(form, list);
    return this;
  }

  addAll(list: string, value: T): this {
    for (const form of splitForms(list)) this.add(form, value);
    return this;
  }

  /** Values of a single word (text or stem, exact or by prefix). */
  lookupWord(text: string, stem?: string): T[] {
    const out: T[] = [];
    const exact = this.words.get(text);
    if (exact) out.push(...exact);
    if (stem !== undefined && stem !== text) {
      const byStem = this.words.get(stem);
      if (byStem) for (const v of byStem) if (!out.includes(v)) out.push(v);
    }
    const bucket = this.prefixes.get(text.slice(0, 3));
    if (bucket) for (const [prefix, v] of bucket) if (text.startsWith(prefix) && !out.includes(v)) out.push(v);
    return out;
  }

  /** Every match starting at `words[i]`: phrases (longest first), then the single word. */
  matchesAt(words: readonly Word[], i: number): Array<{ length: number; value: T }> {
    const w = words[i]!;
    const out: Array<{ length: number; value: T }> = [];
    for (const key of w.stem === w.text ? [w.text] : [w.text, w.stem]) {
      for (const [phrase, value] of this.phrases.get(key) ?? []) {
        if (i + phrase.length > words.length) continue;
        let ok = true;
        for (let k = 1; k < phrase.length; k++) {
          const x = words[i + k]!;
          if (x.text !== phrase[k] && x.stem !== phrase[k]) {
            ok = false;
            break;
          }
        }
        if (ok) out.push({ length: phrase.length, value });
      }
    }
    if (w.kind === 'word' || w.kind === 'symbol') for (const value of this.lookupWord(w.text, w.stem)) out.push({ length: 1, value });
    return out;
  }

  /** The longest match at `words[i]` (first listed value on ties), if any. */
  longestAt(words: readonly Word[], i: number): { length: number; value: T } | undefined {
    let best: { length: number; value: T } | undefined;
    for (const m of this.matchesAt(words, i)) if (!best || m.length > best.length) best = m;
    return best;
  }
}
