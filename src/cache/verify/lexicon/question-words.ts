/**
 * What kind of answer a question asks for, from its question words (English and German, folded).
 * Patterns are folded token sequences; `_` matches any one token. The first pattern found (by position in the
 * question sentence, longest pattern first at a position) decides. A text that starts with an auxiliary or modal
 * verb is a yes/no question. "what"/"which"/"was"/"welche" alone say nothing about the answer (`open`).
 *
 * `how many`/`wie viele` followed by a unit take the unit's dimension ("how many minutes" asks for a duration).
 */
export type QuestionType =
  | 'amount'
  | 'count'
  | 'duration'
  | 'deadline'
  | 'time'
  | 'place'
  | 'origin'
  | 'reason'
  | 'person'
  | 'procedure'
  | 'distance'
  | 'age'
  | 'definition'
  | 'yesno'
  | 'open';

const SPEC = `
amount: how much, wie viel, wieviel, was kostet, was kosten, wie teuer, wie hoch, what does _ cost, what do _ cost, what is the price, what is the fee, what is the cost
count: how many, wie viele, wieviele
duration: how long, wie lange, wie lang, for how long, how many hours, how many minutes, how many days, how many weeks, how many months, how many years, wie viele stunden, wie viele minuten, wie viele tage, wie viele wochen, wie viele monate, wie viele jahre
deadline: bis wann, by when, until when, till when, up to when, by what date, innerhalb welcher frist, bis zu welchem datum
time: when, wann, what time, at what time, which day, which days, what day, what days, what date, which date, what year, which year, in welchem jahr, an welchem tag, an welchen tagen, welcher tag, welche tage, um wie viel uhr, wie viel uhr, wieviel uhr, seit wann, ab wann, ab welchem datum, zu welcher zeit, um welche uhrzeit
place: where, wo, wohin, where to, bei welcher stelle, an welche stelle, which office, welche stelle, welches amt
origin: woher, where _ come from, where does _ come from, where do _ come from, what is the origin, herkunft
reason: why, warum, weshalb, wieso, weswegen, for what reason, aus welchem grund, how come, what is the reason
person: who, wer, whom, wem, wen, whose
procedure: how do, how does, how did, how can, how could, how should, how would, how to, how is, how are, how will, wie geht, wie funktioniert, wie funktionieren, wie kann, wie konnen, wie muss, wie mache, wie macht, wie beantrage, wie melde, what are the steps, steps to, what is the process, what is the procedure, recipe for, rezept fur, anleitung, instructions for, how it works
distance: how far, wie weit, how many kilometres, how many kilometers, how many miles, wie viele kilometer, wie viele meilen
age: how old, wie alt, what age, which age, welchem alter, welches alter, at what age, bis zu welchem alter, ab welchem alter
definition: what is a, what is an, was ist ein, was ist eine, was sind, was bedeutet, was bedeuten, what does _ mean, was versteht man unter, define, definition of, erklar mir was
`;

export interface QuestionPattern {
  words: string[];
  type: QuestionType;
}

export const QUESTION_PATTERNS: readonly QuestionPattern[] = SPEC.split('\n')
  .filter((line) => line.includes(':'))
  .flatMap((line) => {
    const colon = line.indexOf(':');
    const type = line.slice(0, colon).trim() as QuestionType;
    return line
      .slice(colon + 1)
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => ({ words: p.split(' '), type }));
  })
  .sort((x, y) => y.words.length - x.words.length);

/** Words that open a yes/no question when they come first. */
export const YES_NO_OPENERS: ReadonlySet<string> = new Set(
  `can could do does did is are was were may might must should shall will would have has had am
   kann kannst konnen darf darfst durfen muss musst mussen ist sind war hat habe haben gibt gilt gelten soll sollte
   brauche braucht brauchen wird werden bekomme bekommt gehort gehoren zahle zahlen zahlt fahrt fahren liegt lauft`
    .split(/\s+/)
    .filter(Boolean),
);

/** Questions that stand alone with no question word: "what"/"which" and friends. */
export const OPEN_WORDS: ReadonlySet<string> = new Set(['what', 'which', 'was', 'welche', 'welcher', 'welches', 'welchen', 'welchem']);

/**
 * Pairs of types that may both describe one question (the rest conflict when both are known). `yesno` and
 * `open` are compatible with everything. Reasons in the comments come from how people reword.
 */
export const COMPATIBLE_TYPES: ReadonlyArray<readonly [QuestionType, QuestionType]> = [
  ['deadline', 'time'], // "bis wann" vs "wann"
  ['deadline', 'duration'], // "until when is it valid" vs "how long is it valid"
  ['procedure', 'place'], // "where do I throw away X" vs "how do I dispose of X"
  ['reason', 'origin'], // "why is it called X" vs "where does the name come from"
  ['amount', 'count'], // "how much flour" vs "how many grams of flour"
  ['amount', 'distance'], // "wie viel Kilometer" read as amount
];
