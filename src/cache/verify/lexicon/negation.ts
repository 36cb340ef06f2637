/**
 * Negation cues (folded). "n't" is already expanded to "not" by the tokenizer. "without"/"ohne" and
 * "outside"/"außerhalb" count: "without milk" is "not with milk", "outside our district" is "not in our district".
 * Not here: "non" (a prefix in "non-German" that means "foreign", not a negated question) and "nein"
 * (an answer word, not a negated question).
 */
export const NEGATION_CUES: ReadonlySet<string> = new Set([
  'not', 'no', 'never', 'without', 'none', 'nobody', 'nothing', 'neither', 'nor', 'nowhere', 'outside',
  'nicht', 'kein', 'keine', 'keinen', 'keinem', 'keiner', 'keines', 'nie', 'niemals', 'ohne', 'nichts',
  'niemand', 'weder', 'nirgends', 'nirgendwo', 'ausserhalb', 'omit', 'omits', 'omitting', 'omitted', 'excluding',
  'except', 'ausser', 'ausgenommen', 'absence', 'prevent', 'prevents', 'prevented', 'avoid', 'avoids', 'avoiding',
  'verhindern', 'verhindere', 'verhindert', 'vermeiden', 'vermeide', 'vermeidet',
]);

/**
 * Negated words that mean a plain word: folding them removes the negation so "nicht angenommen" (not accepted)
 * meets "abgelehnt" (rejected) on the antonym axis instead of looking like a flipped question.
 * `[negated word, replacement]`; the cue must come right before the word (an article may stand between).
 */
export const NEGATED_FOLDS: ReadonlyMap<string, string> = new Map([
  ['accepted', 'rejected'], ['angenommen', 'abgelehnt'], ['allowed', 'forbidden'], ['permitted', 'forbidden'],
  ['erlaubt', 'verboten'], ['gestattet', 'verboten'], ['open', 'closed'], ['geoffnet', 'geschlossen'],
  ['offen', 'geschlossen'], ['passed', 'failed'], ['bestanden', 'durchgefallen'], ['married', 'unmarried'],
  ['verheiratet', 'unverheiratet'], ['valid', 'invalid'], ['gultig', 'ungultig'], ['same', 'different'],
  ['gleich', 'unterschiedlich'], ['mandatory', 'optional'], ['required', 'optional'], ['necessary', 'unnecessary'],
  ['notig', 'unnotig'], ['pflicht', 'freiwillig'],
]);

/**
 * "without a ticket", "ohne zu bezahlen": means "free", not a negated question. `[cue, following words]`; the
 * match (with at most one article between) is replaced by the word `free`.
 */
export const FREE_PHRASES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['without', new Set(['ticket', 'paying', 'payment', 'charge', 'cost', 'costs', 'fee', 'fees', 'fare'])],
  ['ohne', new Set(['ticket', 'fahrschein', 'fahrkarte', 'bezahlen', 'zahlen', 'gebuhr', 'gebuhren', 'kosten', 'bezahlung'])],
]);
