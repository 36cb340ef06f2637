/**
 * `analyze(text)`: everything the rules need about one text, computed once. Verifying one query against several
 * cached candidates analyses the query once (the verifier also memoises recent texts).
 *
 * Steps: tokenize and fold (`normalize.ts`); small rewrites that make equivalent wordings meet — "whats" →
 * "what is", German separable verbs re-joined ("melde ... ab" → "abmelde"), negated opposites folded ("nicht
 * angenommen" → "abgelehnt"), "without a ticket" → "free"; a language guess; concept units for the comparison
 * rules; then each rule's own features.
 */
import { CARDINALS, ORDINALS, WEAK_ONE } from './lexicon/numbers.ts';
import { SOFT_WORDS } from './lexicon/soft-words.ts';
import { CONCEPTS_LEXICON, conceptOfWord } from './lexicon/synonyms.ts';
import { UNIT_WORDS } from './lexicon/units.ts';
import { FREE_PHRASES, NEGATED_FOLDS, NEGATION_CUES } from './lexicon/negation.ts';
import { ENGLISH_MARKERS, GERMAN_MARKERS, STOPWORDS } from './lexicon/stopwords.ts';
import { stem, tokenize, type RawToken } from './normalize.ts';
import { extractAntonyms } from './rules/antonym.ts';
import { extractDirection } from './rules/direction.ts';
import { extractEntities } from './rules/entity.ts';
import { extractNegation } from './rules/negation.ts';
import { extractNumbers } from './rules/number.ts';
import { extractQuestionType } from './rules/question-type.ts';
import { extractScope } from './rules/scope.ts';
import { extractUnits } from './rules/unit.ts';
import type { Lang, TextFeatures, Unit, Word } from './types.ts';

/** German separable-verb particles that may stand at the end of a clause. */
const PARTICLES = new Set([
  'an', 'ab', 'auf', 'aus', 'ein', 'zu', 'zuruck', 'um', 'mit', 'weg', 'hinzu', 'fest', 'los', 'vor', 'her', 'hin',
  'heraus', 'herunter', 'hoch', 'nach',
]);
const W_WORDS = new Set([
  'wie', 'wann', 'wo', 'was', 'warum', 'wer', 'woher', 'wohin', 'weshalb', 'wieso', 'welche', 'welcher', 'welches',
  'welchen', 'welchem', 'wieviel', 'wieviele',
]);
const ARTICLES = new Set(['a', 'an', 'the', 'ein', 'eine', 'einen', 'einem', 'der', 'die', 'das', 'den', 'dem', 'zu']);

interface Draft {
  text: string;
  original: string;
  kind: Word['kind'];
  attached: boolean;
  sentenceStart: boolean;
  clauseEnd: boolean;
  sentence: number;
}

function toDrafts(raw: RawToken[]): Draft[] {
  const drafts: Draft[] = [];
  let sentence = 0;
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i]!;
    if (token.kind === 'punct') {
      if (drafts.length > 0) drafts[drafts.length - 1]!.clauseEnd = true;
      if (/^[?.!;:]$/.test(token.text)) sentence++;
      continue;
    }
    if (token.text === 'whats' || token.text === 'wats') {
      drafts.push({ ...token, text: 'what', original: token.original, kind: 'word', clauseEnd: false, sentence });
      drafts.push({ text: 'is', original: 'is', kind: 'word', attached: false, sentenceStart: false, clauseEnd: false, sentence });
      continue;
    }
    drafts.push({ text: token.text, original: token.original, kind: token.kind, attached: token.attached, sentenceStart: token.sentenceStart, clauseEnd: false, sentence });
  }
  if (drafts.length > 0) drafts[drafts.length - 1]!.clauseEnd = true;
  return drafts;
}

function guessLang(drafts: readonly Draft[]): Lang {
  let de = 0;
  let en = 0;
  for (const d of drafts) {
    if (GERMAN_MARKERS.has(d.text)) de++;
    if (ENGLISH_MARKERS.has(d.text)) en++;
    if (/[äöüß]/i.test(d.original)) de += 0.5;
  }
  return de > en ? 'de' : en > de ? 'en' : 'unknown';
}

/** "Wie melde ich mein Kind ab?" → "wie abmelde ich mein kind": the particle changes the verb's meaning. */
function joinSeparableVerbs(drafts: Draft[]): Draft[] {
  const out = [...drafts];
  for (let i = out.length - 1; i >= 0; i--) {
    const particle = out[i]!;
    if (!particle.clauseEnd || particle.kind !== 'word' || !PARTICLES.has(particle.text)) continue;
    // The clause starts after the previous clause end; the finite verb is its first word, or the word after a
    // question word ("wie melde ich ... an").
    let start = i - 1;
    while (start > 0 && !out[start - 1]!.clauseEnd) start--;
    if (start >= i) continue;
    let verbAt = start;
    if (W_WORDS.has(out[start]!.text)) {
      verbAt = start + 1;
      // "wie viel/lange/oft" + verb
      if (['viel', 'viele', 'lange', 'oft', 'hoch', 'weit', 'schnell'].includes(out[verbAt]?.text ?? '')) verbAt++;
    }
    const verb = out[verbAt];
    if (!verb || verbAt >= i || verb.kind !== 'word' || STOPWORDS.has(verb.text) && !['mache', 'macht', 'gibt', 'geht', 'tue'].includes(verb.text)) continue;
    out[verbAt] = { ...verb, text: particle.text + verb.text, original: `${particle.original}${verb.original}` };
    out.splice(i, 1);
    out[i - 1] = { ...out[i - 1]!, clauseEnd: true };
  }
  return out;
}

/** "not accepted" → "rejected"; "without a ticket" → "free". */
function foldNegatedPhrases(drafts: Draft[]): Draft[] {
  const out: Draft[] = [];
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    if (NEGATION_CUES.has(d.text)) {
      // "No, it does not exist": an answer word, not a negated question. "... or not": no negation either.
      if ((d.text === 'no' || d.text === 'nein') && d.sentenceStart && d.clauseEnd) continue;
      const previous = drafts[i - 1]?.text;
      if ((d.text === 'not' && previous === 'or') || (d.text === 'nicht' && previous === 'oder')) continue;
      const article = drafts[i + 1] && ARTICLES.has(drafts[i + 1]!.text) ? 1 : 0;
      const next = drafts[i + 1 + article];
      const folded = next ? NEGATED_FOLDS.get(next.text) : undefined;
      if (next && folded) {
        out.push({ ...next, text: folded, original: `${d.original} ${next.original}` });
        i += 1 + article;
        continue;
      }
      const freeWords = FREE_PHRASES.get(d.text);
      if (freeWords) {
        const skip = drafts[i + 1] && ARTICLES.has(drafts[i + 1]!.text) ? 1 : 0;
        const object = drafts[i + 1 + skip];
        if (object && freeWords.has(object.text)) {
          out.push({ ...d, text: 'free', original: `${d.original} ${object.original}`, clauseEnd: object.clauseEnd });
          i += 1 + skip;
          continue;
        }
      }
    }
    out.push(d);
  }
  return out;
}

/** Words after "how"/"wie" that belong to the question, not to its topic ("how long", "wie viel"). */
const HOW_WORDS = new Set([
  'long', 'lang', 'lange', 'much', 'many', 'viel', 'viele', 'far', 'weit', 'old', 'alt', 'often', 'oft', 'hoch',
  'high', 'big', 'gross', 'teuer', 'expensive', 'late', 'spat', 'soon', 'early', 'fruh', 'large', 'heavy', 'schwer',
]);

function isNumberWord(text: string): boolean {
  return CARDINALS.has(text) || WEAK_ONE.has(text) || ORDINALS.has(text);
}

function buildUnits(words: readonly Word[], lang: Lang): Unit[] {
  // Evidence that the writer capitalises nouns: a capitalised word that does not start a sentence.
  const capitalisesNouns = lang === 'de' && words.some((w) => w.kind === 'word' && !w.sentenceStart && /^\p{Lu}/u.test(w.original));
  const isSoftWord = (w: Word) =>
    SOFT_WORDS.has(w.text) || SOFT_WORDS.has(w.stem) || (capitalisesNouns && !w.sentenceStart && /^\p{Ll}/u.test(w.original));
  const units: Unit[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.kind === 'word') {
      const best = CONCEPTS_LEXICON.longestAt(words, i);
      if (best && best.length > 1) {
        const { value: id, length } = best;
        const span = words.slice(i, i + length);
        units.push({
          key: id,
          stop: id.startsWith('_'),
          noun: false,
          measure: false,
          content: !id.startsWith('_'),
          soft: id.startsWith('_') || span.every(isSoftWord),
          forms: span.flatMap((x) => [x.text, x.stem]),
          formsKey: span.map((x) => `${x.text} ${x.stem}`).join(' '),
          start: i,
          end: i + length,
          text: span.map((x) => x.text).join(' '),
          isNumber: false,
        });
        i += length - 1;
        continue;
      }
    }
    const isNumber = w.kind === 'number';
    const concept = w.kind === 'word' ? (conceptOfWord(w.text) ?? conceptOfWord(w.stem)) : undefined;
    const prev = words[i - 1]?.text;
    const stop = w.kind === 'symbol' || (w.kind === 'word' && STOPWORDS.has(w.text)) || !!concept?.startsWith('_');
    const functionWord =
      w.kind === 'symbol' ||
      (w.kind === 'word' &&
        (STOPWORDS.has(w.text) ||
          NEGATION_CUES.has(w.text) ||
          isNumberWord(w.text) ||
          UNIT_WORDS.has(w.text) ||
          ((prev === 'how' || prev === 'wie' || prev === 'so' || prev === 'too') && HOW_WORDS.has(w.text))));
    units.push({
      key: concept ?? (isNumber ? w.text.replace(',', '.') : w.stem),
      stop,
      noun: capitalisesNouns && w.kind === 'word' && !w.sentenceStart && !stop && /^\p{Lu}/u.test(w.original),
      measure: w.kind !== 'number' && UNIT_WORDS.has(w.text),
      content: !functionWord && !concept?.startsWith('_') && (concept !== undefined || isNumber || w.text.length > 1),
      soft: w.kind === 'word' && isSoftWord(w),
      forms: [w.text, w.stem],
      formsKey: `${w.text} ${w.stem}`,
      start: i,
      end: i + 1,
      text: w.text,
      isNumber: isNumber || (w.kind === 'word' && isNumberWord(w.text)),
    });
  }
  return units;
}

/** Analyses one text. Pure and deterministic; the verifier memoises it per text. */
export function analyze(text: string): TextFeatures {
  let drafts = toDrafts(tokenize(text));
  const lang = guessLang(drafts);
  if (lang !== 'en') drafts = joinSeparableVerbs(drafts);
  drafts = foldNegatedPhrases(drafts);
  const words: Word[] = drafts.map((d) => ({ ...d, stem: d.kind === 'word' ? stem(d.text) : d.text }));
  const units = buildUnits(words, lang);
  const base = { text, lang, words, units };
  return {
    ...base,
    numbers: extractNumbers(words, lang),
    negation: extractNegation(words),
    direction: extractDirection(words, units, lang),
    entities: extractEntities(words, units, lang),
    measures: extractUnits(words, lang),
    antonyms: extractAntonyms(words),
    questionType: extractQuestionType(words),
    scope: extractScope(words),
  };
}
