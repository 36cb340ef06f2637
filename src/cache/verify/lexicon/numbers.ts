/**
 * Number vocabulary (folded). "one"/"ein(e)" are *weak*: in German they are also the indefinite article and in
 * English "one" is often a pronoun, so they only count when the other text states a different number.
 * German "null" is left out (it is SQL's NULL far more often than zero in this traffic); English "second" is an
 * ordinal (the unit is "seconds"/"sec").
 */
export const CARDINALS: ReadonlyMap<string, number> = new Map([
  ['zero', 0], ['two', 2], ['three', 3], ['four', 4], ['five', 5], ['six', 6], ['seven', 7], ['eight', 8],
  ['nine', 9], ['ten', 10], ['eleven', 11], ['twelve', 12], ['thirteen', 13], ['fourteen', 14], ['fifteen', 15],
  ['sixteen', 16], ['seventeen', 17], ['eighteen', 18], ['nineteen', 19], ['twenty', 20], ['thirty', 30],
  ['forty', 40], ['fifty', 50], ['sixty', 60], ['seventy', 70], ['eighty', 80], ['ninety', 90], ['hundred', 100],
  ['thousand', 1000], ['dozen', 12], ['twice', 2],
  ['eins', 1], ['zwei', 2], ['drei', 3], ['vier', 4], ['funf', 5], ['sechs', 6], ['sieben', 7], ['acht', 8],
  ['neun', 9], ['zehn', 10], ['elf', 11], ['zwolf', 12], ['zwanzig', 20], ['dreissig', 30], ['vierzig', 40],
  ['funfzig', 50], ['hundert', 100], ['tausend', 1000], ['dutzend', 12], ['zweimal', 2],
]);

/** "one", "a single", "ein", "einen"...: a 1 that may just be an article. */
export const WEAK_ONE: ReadonlySet<string> = new Set([
  'one', 'single', 'ein', 'eine', 'einen', 'einem', 'einer', 'eines', 'einzeln', 'einzelne', 'einzelnen', 'einzelner',
]);

/** Ordinals as position numbers; `last` is -1 (counted from the end). */
export const ORDINALS: ReadonlyMap<string, number> = new Map([
  ['first', 1], ['second', 2], ['third', 3], ['fourth', 4], ['fifth', 5], ['sixth', 6], ['seventh', 7],
  ['eighth', 8], ['ninth', 9], ['tenth', 10], ['eleventh', 11], ['twelfth', 12], ['last', -1], ['penultimate', -2],
  ['initial', 1],
  ['erste', 1], ['erster', 1], ['ersten', 1], ['erstes', 1], ['erstem', 1],
  ['zweite', 2], ['zweiter', 2], ['zweiten', 2], ['zweites', 2], ['zweitem', 2],
  ['dritte', 3], ['dritter', 3], ['dritten', 3], ['drittes', 3],
  ['vierte', 4], ['vierter', 4], ['vierten', 4], ['funfte', 5], ['funften', 5], ['sechste', 6], ['sechsten', 6],
  ['siebte', 7], ['siebten', 7], ['zehnte', 10], ['zehnten', 10],
  ['letzte', -1], ['letzter', -1], ['letzten', -1], ['letztes', -1], ['vorletzte', -2], ['vorletzten', -2],
]);

/** English ordinals that are also adverbs ("by first creating", "share it first") unless a determiner precedes. */
export const ADVERBIAL_ORDINALS: ReadonlySet<string> = new Set(['first', 'second', 'third', 'last']);
export const DETERMINERS: ReadonlySet<string> = new Set([
  'the', 'a', 'an', 'my', 'your', 'its', 'their', 'our', 'his', 'her', 'this', 'that', 'each', 'every', 'whose',
]);

/** Suffixes written straight after digits that make an ordinal ("3rd") or a count ("4er"). */
export const ORDINAL_SUFFIXES: ReadonlySet<string> = new Set(['st', 'nd', 'rd', 'th']);
export const COUNT_SUFFIXES: ReadonlySet<string> = new Set(['er', 'x', 'fach']);

/** Comparators that qualify the following number: `<` for upper bounds, `>` for lower bounds. */
export const COMPARATORS: ReadonlyMap<string, '<' | '>'> = new Map([
  ['under', '<'], ['below', '<'], ['less than', '<'], ['fewer than', '<'], ['younger than', '<'], ['up to', '<'],
  ['at most', '<'], ['until', '<'], ['before', '<'], ['unter', '<'], ['unterhalb', '<'], ['weniger als', '<'],
  ['junger als', '<'], ['bis', '<'], ['hochstens', '<'], ['maximal', '<'], ['vor', '<'],
  ['over', '>'], ['above', '>'], ['more than', '>'], ['older than', '>'], ['at least', '>'], ['from', '>'],
  ['after', '>'], ['uber', '>'], ['oberhalb', '>'], ['mehr als', '>'], ['alter als', '>'], ['ab', '>'],
  ['mindestens', '>'], ['nach', '>'], ['since', '>'], ['seit', '>'],
]);

/** Clock words: am/pm shift the preceding hour; noon and midnight are times of their own. */
export const TIME_WORDS: ReadonlyMap<string, string> = new Map([
  ['noon', '12:00'], ['midday', '12:00'], ['mittag', '12:00'], ['mittags', '12:00'], ['midnight', '0:00'],
  ['mitternacht', '0:00'],
]);

/** Months and weekdays: a date in another month or on another day is another question. */
export const MONTHS: ReadonlyMap<string, number> = new Map([
  ['january', 1], ['february', 2], ['march', 3], ['april', 4], ['june', 6], ['july', 7], ['august', 8],
  ['september', 9], ['october', 10], ['november', 11], ['december', 12],
  ['januar', 1], ['februar', 2], ['marz', 3], ['mai', 5], ['juni', 6], ['juli', 7], ['oktober', 10], ['dezember', 12],
  ['jan', 1], ['feb', 2], ['mar', 3], ['apr', 4], ['jun', 6], ['jul', 7], ['aug', 8], ['sep', 9], ['sept', 9],
  ['oct', 10], ['okt', 10], ['nov', 11], ['dec', 12], ['dez', 12],
]);

export const WEEKDAYS: ReadonlyMap<string, number> = new Map(
  (
    [
      ['monday', 1], ['tuesday', 2], ['wednesday', 3], ['thursday', 4], ['friday', 5], ['saturday', 6], ['sunday', 7],
      ['montag', 1], ['dienstag', 2], ['mittwoch', 3], ['donnerstag', 4], ['freitag', 5], ['samstag', 6],
      ['sonnabend', 6], ['sonntag', 7],
    ] as Array<[string, number]>
  ).flatMap(([day, n]) => [
    [day, n],
    [`${day}s`, n],
    [`${day}e`, n],
  ] as Array<[string, number]>),
);
