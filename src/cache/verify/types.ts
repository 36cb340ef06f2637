/** Shared types of the match verifier. */
import type { AntonymFeatures } from './rules/antonym.ts';
import type { DirectionFeatures } from './rules/direction.ts';
import type { EntityFeatures } from './rules/entity.ts';
import type { NegationFeatures } from './rules/negation.ts';
import type { NumberFeatures } from './rules/number.ts';
import type { QuestionTypeFeatures } from './rules/question-type.ts';
import type { ScopeFeatures } from './rules/scope.ts';
import type { UnitFeatures } from './rules/unit.ts';

export type Lang = 'en' | 'de' | 'unknown';

/** Why a candidate was rejected: the kind of meaning flip found. */
export type RejectReason =
  | 'number'
  | 'negation'
  | 'direction'
  | 'entity'
  | 'unit'
  | 'antonym'
  | 'scope'
  | 'question-type'
  | 'topic-drift'
  /** Same sentence frame with one content word swapped for an unrelated one (a generic substitution). */
  | 'contrast'
  /** The cached question names a specific thing the new one does not mention (one-directional). */
  | 'added-detail';

export const REJECT_REASONS: readonly RejectReason[] = [
  'number', 'negation', 'direction', 'entity', 'unit', 'antonym', 'scope', 'question-type', 'topic-drift', 'contrast', 'added-detail',
];

export type Verdict = { ok: true } | { ok: false; reason: RejectReason; detail: string };

/** A word, number or symbol of the text (punctuation is kept separately as clause boundaries). */
export interface Word {
  /** Folded form (lower case, umlauts folded). */
  text: string;
  /** As written, for capitalisation checks and messages. */
  original: string;
  stem: string;
  kind: 'word' | 'number' | 'symbol';
  /** Written without a space after the previous token ("4er", "3rd", "50px"). */
  attached: boolean;
  sentenceStart: boolean;
  /** Followed by punctuation or the end of the text. */
  clauseEnd: boolean;
  /** Index of the sentence (split at . ? ! : ;) this word is in. */
  sentence: number;
}

/**
 * A unit of meaning for the comparison rules: one word, or a phrase merged into one concept ("yellow bag" →
 * `gelber-sack`). `key` is the concept id or the word's stem.
 */
export interface Unit {
  key: string;
  /** Carries meaning (not a function word, number word, negation, unit or question word). */
  content: boolean;
  /**
   * A general verb, adjective or frame noun that rewordings swap freely (`lexicon/soft-words.ts`), or a
   * lower-case word in German text that capitalises its nouns. Swaps between soft words are not contrasts.
   */
  soft: boolean;
  /** Folded texts and stems of the span's words, for typo and compound matching. */
  forms: string[];
  /** `forms` joined: a cheap identity for memoising comparisons. */
  formsKey: string;
  /** A function word or filler phrase (stop list, `_` concepts, symbols). */
  stop: boolean;
  /** A capitalised word inside a German sentence, in text that capitalises its nouns: a noun. */
  noun: boolean;
  /** A unit of measure ("km", "Stunden"): not content for the swap rule, but part of the topic. */
  measure: boolean;
  /** Word indices [start, end). */
  start: number;
  end: number;
  /** Folded text of the span, for messages. */
  text: string;
  isNumber: boolean;
}

/** Everything the rules need about one text, computed once (`analyze`) and reused for every comparison. */
export interface TextFeatures {
  text: string;
  lang: Lang;
  words: readonly Word[];
  units: readonly Unit[];
  numbers: NumberFeatures;
  negation: NegationFeatures;
  direction: DirectionFeatures;
  entities: EntityFeatures;
  measures: UnitFeatures;
  antonyms: AntonymFeatures;
  questionType: QuestionTypeFeatures;
  scope: ScopeFeatures;
}

/** A rule's finding: a short human-readable detail. */
export type RuleCheck = (a: TextFeatures, b: TextFeatures) => string | undefined;
