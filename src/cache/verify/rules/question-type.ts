/**
 * Question-type rule: the texts must ask for the same kind of answer — an amount ("how much", "was kostet"), a
 * duration ("how long", "wie lange"), a time ("when", "wann"), a place ("where", "wo"), a reason ("why",
 * "warum"), a person, a procedure ("how do I", "wie beantrage ich"), a definition ("what is a"), an age...
 *
 * Why: "How much does a passport cost?" and "How long does a passport take?" share every content word.
 * Recall cost: rewordings across types that still deserve the same answer are let through only where listed as
 * compatible (`COMPATIBLE_TYPES`: "where do I throw X away" ~ "how do I dispose of X", "bis wann" ~ "wie lange").
 * "What"/"which" questions and yes/no questions are compatible with everything, so they are never rejected here.
 */
import { COMPATIBLE_TYPES, OPEN_WORDS, QUESTION_PATTERNS, YES_NO_OPENERS, type QuestionType } from '../lexicon/question-words.ts';
import type { TextFeatures, Word } from '../types.ts';

/** Words after "wie" that make another question type (handled by patterns) or no question at all. */
const WIE_NOT_PROCEDURE = new Set([
  'viel', 'viele', 'lange', 'lang', 'hoch', 'weit', 'alt', 'gross', 'oft', 'teuer', 'heisst', 'heissen', 'spat',
  'fruh', 'schwer', 'breit', 'tief', 'schnell', 'ist', 'sind', 'war', 'wird', 'kann', 'muss', 'darf', 'soll',
]);

export interface QuestionTypeFeatures {
  type: QuestionType;
  /** The words that decided it. */
  cue: string;
}

/** Patterns by their first word, longest first. */
const BY_FIRST = new Map<string, Array<(typeof QUESTION_PATTERNS)[number]>>();
for (const p of QUESTION_PATTERNS) {
  const list = BY_FIRST.get(p.words[0]!) ?? [];
  list.push(p);
  BY_FIRST.set(p.words[0]!, list);
}
const patternAt = (sentence: readonly Word[], i: number) => BY_FIRST.get(sentence[i]!.text)?.find((p) => matchAt(sentence, i, p.words));

function matchAt(words: readonly Word[], i: number, pattern: readonly string[]): boolean {
  if (i + pattern.length > words.length) return false;
  for (let k = 0; k < pattern.length; k++) {
    const p = pattern[k]!;
    if (p !== '_' && words[i + k]!.text !== p) return false;
  }
  return true;
}

/** The sentence that asks: the last one ending in "?", else the whole text. */
function questionSentence(words: readonly Word[]): readonly Word[] {
  const sentences = new Map<number, Word[]>();
  for (const w of words) {
    let list = sentences.get(w.sentence);
    if (!list) sentences.set(w.sentence, (list = []));
    list.push(w);
  }
  if (sentences.size <= 1) return words;
  // Prefer a sentence that contains a question word or starts like a question.
  const ordered = [...sentences.values()];
  for (let s = ordered.length - 1; s >= 0; s--) {
    const sentence = ordered[s]!;
    if (sentence.some((_, i) => patternAt(sentence, i)) || YES_NO_OPENERS.has(sentence[0]!.text)) {
      return sentence;
    }
  }
  return words;
}

export function extractQuestionType(words: readonly Word[]): QuestionTypeFeatures {
  const sentence = questionSentence(words);
  if (sentence.length === 0) return { type: 'open', cue: '' };
  for (let i = 0; i < sentence.length; i++) {
    if (OPEN_WORDS.has(sentence[i]!.text)) {
      // "what time", "what is a", "welche Tage": the longer pattern decides, a bare "what" is open.
      const pattern = patternAt(sentence, i);
      if (pattern) return { type: pattern.type, cue: pattern.words.join(' ') };
      return { type: 'open', cue: sentence[i]!.text };
    }
    const pattern = patternAt(sentence, i);
    if (pattern) return { type: pattern.type, cue: pattern.words.join(' ') };
    // German "wie" + a verb ("wie beantrage ich", "wie tausche ... um") asks how to do something.
    if (sentence[i]!.text === 'wie' && sentence[i + 1] && !WIE_NOT_PROCEDURE.has(sentence[i + 1]!.text)) {
      return { type: 'procedure', cue: `wie ${sentence[i + 1]!.text}` };
    }
    if (i === 0 && YES_NO_OPENERS.has(sentence[0]!.text)) return { type: 'yesno', cue: sentence[0]!.text };
  }
  return { type: 'open', cue: '' };
}

const compatible = (x: QuestionType, y: QuestionType) =>
  x === y || x === 'open' || y === 'open' || x === 'yesno' || y === 'yesno' ||
  COMPATIBLE_TYPES.some(([p, q]) => (p === x && q === y) || (p === y && q === x));

export function checkQuestionType(a: TextFeatures, b: TextFeatures): string | undefined {
  const ta = a.questionType;
  const tb = b.questionType;
  if (compatible(ta.type, tb.type)) return undefined;
  return `asks for ${ta.type} ("${ta.cue}") vs ${tb.type} ("${tb.cue}")`;
}
