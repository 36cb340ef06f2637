/**
 * Entity rule: each text must not name a thing the other replaces with a different one — places ("Saarbrücken"
 * vs "Saarlouis"), offices and venues ("Stadtbibliothek" vs "Universitätsbibliothek", "Totobad" vs "Calypso"),
 * countries, dishes, people, and programming names (map vs filter, UNION vs JOIN, table vs column).
 * One text naming *more* entities than the other ("Hallenbad Saarbrücken-Dudweiler" vs "Hallenbad Dudweiler") is
 * fine: only a swap (each side has one the other lacks) rejects.
 *
 * Where names come from: the gazetteer (`lexicon/entities.ts`), and in English text also capitalised words that
 * are not sentence-initial and not known vocabulary ("Is the Totobad open" → `totobad`). German capitalises all
 * nouns, so there only the gazetteer counts (the contrast rule catches swapped German nouns in a shared frame).
 * Recall cost: an alias the gazetteer lacks ("Minister-President" vs "Ministerpräsident") looks like a swap.
 */
import { ENTITIES_LEXICON } from '../lexicon/entities.ts';
import { STOPWORDS } from '../lexicon/stopwords.ts';
import { conceptOfWord } from '../lexicon/synonyms.ts';
import { UNIT_WORDS } from '../lexicon/units.ts';
import { MONTHS, WEEKDAYS } from '../lexicon/numbers.ts';
import type { Lang, TextFeatures, Unit, Word } from '../types.ts';

export interface EntityFeatures {
  /** entity id → the words that named it. */
  found: Map<string, string>;
  /** Stems of all words, so a name detected by capitalisation on one side can be found lower-case on the other. */
  stems: Set<string>;
  /** The folded text with everything but letters and digits removed, to find code names written differently. */
  squashed: string;
}

const squash = (text: string) => text.replace(/[^\p{L}\p{N}]+/gu, '');

export function extractEntities(words: readonly Word[], units: readonly Unit[], lang: Lang): EntityFeatures {
  const found = new Map<string, string>();
  // Words inside a multi-word concept ("Gelber Sack", "Minister President") are vocabulary, not names.
  const inPhrase = new Set<number>();
  for (const u of units) if (u.end - u.start > 1) for (let k = u.start; k < u.end; k++) inPhrase.add(k);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.kind !== 'word') continue;
    if (w.original === 'US') {
      found.set('usa', 'US');
      continue;
    }
    const match = ENTITIES_LEXICON.longestAt(words, i);
    if (match) {
      if (!found.has(match.value.id)) found.set(match.value.id, words.slice(i, i + match.length).map((x) => x.original).join(' '));
      i += match.length - 1;
      continue;
    }
    if (isCodeName(w)) found.set(`code:${w.text}`, w.original);
    else if (lang === 'en' && !inPhrase.has(i) && isProperName(w)) found.set(`name:${w.stem}`, w.original);
  }
  return { found, stems: new Set(words.map((w) => w.stem)), squashed: squash(words.map((w) => w.text).join(' ')) };
}

/** An identifier from code: snake_case, dotted.names or CamelCase ("rename_column", "Dataset.map", "AudioFolder"). */
function isCodeName(w: Word): boolean {
  return w.kind === 'word' && w.text.length >= 4 && (/[_.]/.test(w.text) || /\p{Ll}\p{Lu}/u.test(w.original));
}

/** A capitalised English word that is not sentence-initial and not ordinary vocabulary. */
function isProperName(w: Word): boolean {
  if (w.sentenceStart || w.text.length < 3) return false;
  // Capitalised, then lower case: "Totobad", not an acronym ("SQL", "URI") or a code name ("AUTO_INCREMENT").
  if (!/^\p{Lu}\p{Ll}+$/u.test(w.original)) return false;
  if (STOPWORDS.has(w.text) || UNIT_WORDS.has(w.text) || MONTHS.has(w.text) || WEEKDAYS.has(w.text)) return false;
  // German loanwords in English text ("Anmeldung", "Biotonne") are vocabulary with synonyms, not names.
  return conceptOfWord(w.text) === undefined && conceptOfWord(w.stem) === undefined;
}

export function checkEntities(a: TextFeatures, b: TextFeatures): string | undefined {
  const absent = (id: string, other: TextFeatures) => {
    if (other.entities.found.has(id)) return false;
    if (id.startsWith('name:')) return !other.entities.stems.has(id.slice(5));
    if (id.startsWith('code:')) {
      // "datasets.TextClassification" vs "TextClassification", "AUTO_INCREMENT" vs "auto-increment".
      const name = id.slice(5);
      const last = name.slice(name.lastIndexOf('.') + 1);
      return !other.entities.squashed.includes(squash(name)) && !(last.length >= 4 && other.entities.squashed.includes(squash(last)));
    }
    return true;
  };
  const onlyA = [...a.entities.found].filter(([id]) => absent(id, b));
  const onlyB = [...b.entities.found].filter(([id]) => absent(id, a));
  if (onlyA.length === 0 || onlyB.length === 0) return undefined;
  return `different entities: ${onlyA.map(([, t]) => t).join(', ')} vs ${onlyB.map(([, t]) => t).join(', ')}`;
}
