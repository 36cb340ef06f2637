/**
 * Number rule: the two texts must state the same numbers — digits, number words ("two"/"zwei"), ordinals
 * ("3rd", "zweiten", "last"), clock times ("10 pm" = "22 Uhr"), months and weekdays, and bounds ("under 24" is
 * not "over 24"). "2 tables" and "two tables" agree; "3,5" and "3.5" agree.
 *
 * Why: a cached answer for 2 dogs, 10 pm or the 3rd highest salary is wrong for 3 dogs, 10 am or the highest.
 * Embeddings barely see a changed digit, so this is the single most valuable check.
 * Recall cost: a paraphrase that adds or drops a number ("two strings" vs "strings") is rejected when the number
 * is written in digits; spelled-out numbers with nothing opposite them are let through. "one"/"ein" count only
 * against another number, because they are usually just an article.
 */
import {
  ADVERBIAL_ORDINALS,
  CARDINALS,
  COMPARATORS,
  COUNT_SUFFIXES,
  DETERMINERS,
  MONTHS,
  ORDINALS,
  ORDINAL_SUFFIXES,
  TIME_WORDS,
  WEAK_ONE,
  WEEKDAYS,
} from '../lexicon/numbers.ts';
import type { Lang, TextFeatures, Word } from '../types.ts';

export interface NumberMention {
  /** Canonical value: "2", "#3" (ordinal), "22:00", "month:6", "dow:7", "<24". */
  key: string;
  /** `word`: a spelled-out cardinal; `weak`: "one"/"ein" that may be an article. */
  strength: 'strong' | 'word' | 'weak';
  text: string;
}

export interface NumberFeatures {
  mentions: NumberMention[];
}

function parseNumber(raw: string, lang: Lang): string {
  // A version "v2.10.0" is "2.10.0".
  const text = raw.startsWith('v') ? raw.slice(1) : raw;
  if (text.includes(':')) {
    const [h, m] = text.split(':');
    return `${Number(h)}:${m}`;
  }
  const separators = text.match(/[.,]/g) ?? [];
  if (separators.length === 0) return String(Number(text));
  if (separators.length > 1) {
    // "1.1.2020" is a date; "1,000,000" / "1.000.000" are thousands.
    if (/^\d{1,3}([.,])\d{3}(\1\d{3})+$/.test(text)) return String(Number(text.replace(/[.,]/g, '')));
    return text.replace(/,/g, '.');
  }
  const [whole, fraction] = text.split(/[.,]/) as [string, string];
  const sep = text.includes(',') ? ',' : '.';
  const thousands = fraction.length === 3 && ((sep === ',' && lang !== 'de') || (sep === '.' && lang === 'de'));
  return thousands ? String(Number(whole + fraction)) : String(Number(`${whole}.${fraction}`));
}

/** A comparator right before position `i` (skipping one article): "under 24", "mehr als 3", "ab 24". */
function comparatorBefore(words: readonly Word[], i: number): '<' | '>' | undefined {
  let j = i - 1;
  if (j >= 0 && ['the', 'a', 'dem', 'den', 'der'].includes(words[j]!.text)) j--;
  if (j < 0) return undefined;
  const two = j >= 1 ? `${words[j - 1]!.text} ${words[j]!.text}` : '';
  return COMPARATORS.get(two) ?? COMPARATORS.get(words[j]!.text);
}

export function extractNumbers(words: readonly Word[], lang: Lang): NumberFeatures {
  const mentions: NumberMention[] = [];
  const push = (i: number, key: string, strength: NumberMention['strength'], text: string) => {
    const cmp = strength === 'weak' ? undefined : comparatorBefore(words, i);
    mentions.push({ key: cmp ? `${cmp}${key}` : key, strength, text: cmp ? `${words[i - 1]!.text} ${text}` : text });
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w.kind === 'number') {
      const start = i;
      let key = parseNumber(w.text, lang);
      let text = w.text;
      if (next && next.attached && ORDINAL_SUFFIXES.has(next.text)) {
        key = `#${key}`;
        text += next.text;
        i++;
      } else if (next && next.attached && COUNT_SUFFIXES.has(next.text)) {
        text += next.text;
        i++;
      } else if (next && (next.text === 'am' || next.text === 'pm') && lang !== 'de') {
        const hour = Number(key) % 12 + (next.text === 'pm' ? 12 : 0);
        key = `${hour}:00`;
        text += ` ${next.text}`;
        i++;
      } else if (next && (next.text === 'uhr' || next.text === 'oclock') && !key.includes(':')) {
        key = `${Number(key)}:00`;
      }
      push(start, key, 'strong', text);
      continue;
    }
    if (w.kind !== 'word') continue;
    const ordinal = ORDINALS.get(w.text);
    if (ordinal !== undefined) {
      // "the first 5 rows", "die letzten 7 Tage": the count that follows is what matters.
      const following = words[i + 1]?.kind === 'number' || CARDINALS.has(words[i + 1]?.text ?? '');
      const adverb = ADVERBIAL_ORDINALS.has(w.text) && !DETERMINERS.has(words[i - 1]?.text ?? '');
      if (!following && !adverb) push(i, `#${ordinal}`, 'strong', w.text);
      continue;
    }
    const cardinal = CARDINALS.get(w.text);
    if (cardinal !== undefined) {
      push(i, String(cardinal), 'word', w.text);
      continue;
    }
    if (WEAK_ONE.has(w.text)) {
      mentions.push({ key: '1', strength: 'weak', text: w.text });
      continue;
    }
    const time = TIME_WORDS.get(w.text);
    if (time) {
      push(i, time, 'strong', w.text);
      continue;
    }
    const month = MONTHS.get(w.text);
    // Three-letter month abbreviations only next to a number ("3 Jan"), else they are ordinary words.
    if (month !== undefined && (w.text.length > 3 || words[i - 1]?.kind === 'number' || next?.kind === 'number')) {
      push(i, `month:${month}`, 'strong', w.text);
      continue;
    }
    const weekday = WEEKDAYS.get(w.text);
    if (weekday !== undefined) push(i, `dow:${weekday}`, 'strong', w.text);
  }
  return { mentions };
}

const sortedKeys = (mentions: readonly NumberMention[]) => mentions.map((m) => m.key).sort();
const sameList = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
const show = (mentions: readonly NumberMention[]) => (mentions.length ? mentions.map((m) => m.text).join(', ') : 'none');

export function checkNumbers(a: TextFeatures, b: TextFeatures): string | undefined {
  const strongA = a.numbers.mentions.filter((m) => m.strength !== 'weak');
  const strongB = b.numbers.mentions.filter((m) => m.strength !== 'weak');
  const keysA = sortedKeys(strongA);
  const keysB = sortedKeys(strongB);
  if (sameList(keysA, keysB)) return undefined;
  if (keysA.length === 0 || keysB.length === 0) {
    const [emptySide, other] = keysA.length === 0 ? [a, strongB] : [b, strongA];
    const weak = emptySide.numbers.mentions.some((m) => m.strength === 'weak');
    if (weak) {
      // "für ein Jahr" vs "für zwei Jahre": the article was a number after all.
      if (sameList(sortedKeys(other), ['1'])) return undefined;
    } else if (other.every((m) => m.strength === 'word')) {
      // "two strings" vs "strings": spelled-out numbers often just echo a plural.
      return undefined;
    }
  }
  return `numbers differ: ${show(strongA.length ? strongA : a.numbers.mentions)} vs ${show(strongB.length ? strongB : b.numbers.mentions)}`;
}
