/**
 * Opposites (English and German, folded). Each line is an axis `id: pole A forms | pole B forms`; a form is a
 * word, a prefix ending in `*`, or a phrase. Two texts that sit on different poles of one axis ask different
 * things ("open" vs "close", "günstigste" vs "teuerste"). German separable verbs arrive re-joined by the
 * analyser ("melde ... ab" → "abmelde"), so "abmeld*" matches them.
 *
 * Also see `PREFIX_OPPOSITES`: a word and the same word with an opposite prefix ("subscribe"/"unsubscribe",
 * "anmelden"/"abmelden", "upload"/"download") are opposites without being listed. Not there on purpose:
 * "de-" ("deduplicate" removes duplicates), "dis-" ("display" is no opposite of "play") and bare "ab-"
 * ("abholen" and "holen" both fetch).
 */
import { Lexicon } from '../match.ts';

const SPEC = `
open: open, opens, opened, opening, offen, offnet, offnen, offne, geoffnet, offnung*, aufmach* | close, closes, closed, closing, shut, schliesst, schliessen, schliesse, geschlossen, schliessung*, zumach*
start: start, starts, started, starting, begin, begins, beginning, began, beginn*, anfang*, fangt, launch* | end, ends, ended, ending, finish*, endet, enden, ende, aufhor*, aufhort, schluss, stop, stops, stopp*
cancel: start, starts, begin, subscribe*, sign up, abonnier*, bestell*, order, book a, renew*, verlanger*, extend, extends, extended | cancel*, kundig*, storn*, unsubscrib*, abbestell*, abbestelle
register: anmeld*, anmelde, register, registering, registered, registration, enrol*, einschreib* | abmeld*, abmelde, deregist*, unregist*, exmatrikul*, kundig*
activate: activat*, aktivier*, enabl*, einschalt*, turn on, switch on | deactivat*, deaktivier*, disabl*, ausschalt*, turn off, switch off
apply-return: beantrag*, apply, applying, application, pick up, abhol*, collect, borrow*, ausleih*, reserve* | return, returns, returning, returned, zuruckgeb*, zuruckgabe, ruckgabe, give back, hand back
add-remove: add, adds, adding, added, hinzufug*, insert*, einfug*, append*, anhang* | remove, removes, removing, removed, delete, deletes, deleting, deleted, entfern*, losch*, geloscht
grant: grant, grants, granted, granting, gewahr*, erteil* | revoke*, revoking, entzieh*, widerruf*
case: uppercase, upper case, upper, grossbuchstab*, grossschreib* | lowercase, lower case, lower, kleinbuchstab*, kleinschreib*
size: largest, biggest, larger, bigger, big, large, grosst*, grosser, grosseren, grossere, grossten | smallest, smaller, small, tiny, kleinst*, kleiner, kleineren, kleinere, kleinsten
height: highest, higher, tallest, hochst*, hoher, hoheren, maximum, max, maximal*, most, meisten | lowest, lower, niedrigst*, tiefst*, niedriger, minimum, min, minimal*, least, fewest, wenigsten
price: cheapest, cheaper, cheap, inexpensive, gunstigst*, gunstiger, billig*, preiswert* | expensive, priciest, pricier, costly, teuerst*, teurer, teureren
time-early: earliest, earlier, early, fruhest*, fruher, fruh, fruhe | latest, later, late, spatest*, spater, spat, spate
before-after: before, beforehand, vorher, zuvor, prior | after, afterwards, nachher, danach, nachdem
order: ascending, asc, aufsteigend* | descending, desc, absteigend*
texture-soft: soft, softer, softest, weich, weicher, zart | crisp, crispy, crispier, hard, harder, knusprig*, hart, harter
thickness: thick, thicker, thicken, thickening, andick*, dicker, fester, dickflussig* | thin, thinner, thinning, verdunn*, dunner, dunnflussig*, flussiger
visibility: show, shows, display, unhide, anzeig*, einblend*, sichtbar | hide, hides, hidden, versteck*, ausblend*, verberg*, unsichtbar
sun: sunrise, sonnenaufgang | sunset, sonnenuntergang
day-part: morning, mornings, morgens, vormittag*, fruhmorgens | evening, evenings, abends, abend, night, nights, nachts, nacht, nachmittag*
allowed: allowed, permitted, erlaubt, zulassig, gestattet, may | forbidden, prohibited, banned, verboten, untersagt, unzulassig
accept: accept, accepts, accepted, annehm*, angenommen, approve*, genehmig*, bewilligt | reject, rejects, rejected, declin*, ablehn*, abgelehnt, refus*, deny, denied
pass-fail: pass, passed, bestanden, bestehen | fail, fails, failed, durchgefallen, durchfall*
inside-outside: inside, indoor, indoors, drinnen, innen, innerhalb | outside, outdoor, outdoors, draussen, aussen, ausserhalb
import: import, imports, importing, imported, importier* | export, exports, exporting, exported, exportier*
transfer: upload*, hochlad* | download*, herunterlad*, runterlad*
encode: encode*, encoding, encrypt*, verschlussel*, kodier* | decode*, decoding, decrypt*, entschlussel*, dekodier*
trade: buy, buys, buying, bought, purchase*, kauf, kaufe, kaufen, kauft, gekauft | sell, sells, selling, sold, verkauf*
change: increase*, raise, raising, erhoh*, steiger*, vergrosser* | decrease*, lower, lowering, reduce, reducing, senk*, verringer*, reduzier*, verkleiner*
quantity: more, mehr | less, fewer, weniger
depth: deep, tiefe, tiefen | shallow, flach, flache, flachen
ends: first, erste, ersten, erster, erstes | last, letzte, letzten, letzter, letztes
send-receive: send, sends, sending, sent, senden, schick*, verschick* | receive, receives, receiving, empfang*
arrive-depart: arrive*, arrival*, ankomm*, ankunft | depart*, leave, leaves, leaving, abfahr*, abfahrt*, losfahr*
married: married, verheiratet | unmarried, unverheiratet, ledig, geschieden, divorced
true-false: true, wahr | false, falsch
positive: positive, positiv | negative, negativ
left-right: left, links, linke, linken | right, rechts, rechte, rechten
north-south: north, northern, nordlich*, norden | south, southern, sudlich*, suden
east-west: east, eastern, ostlich*, osten | west, western, westlich*, westen
horizontal: horizontal* | vertical*, senkrecht*
plus-minus: plus, add up, addier* | minus, subtract*, subtrahier*, abzieh*
valid: valid, gultig | invalid, ungultig
age-new: new, newer, newest, neu, neue, neuen, neuer, neues, brand-new | old, older, oldest, alt, alte, alten, alter, altes, previous, former, bisherig*
`;

export interface AntonymPole {
  axis: string;
  pole: 0 | 1;
}

/** Folded word, prefix or phrase → the axis and pole it sits on. */
export const ANTONYMS_LEXICON = new Lexicon<AntonymPole>();
for (const line of SPEC.split('\n')) {
  if (!line.includes('|')) continue;
  const colon = line.indexOf(':');
  const axis = line.slice(0, colon).trim();
  const [a, b] = line.slice(colon + 1).split('|') as [string, string];
  ANTONYMS_LEXICON.addAll(a, { axis, pole: 0 }).addAll(b, { axis, pole: 1 });
}

/**
 * Prefix pairs that flip a verb or adjective when the rest of the word is the same (at least 4 letters):
 * `[prefix A, prefix B]`, where B may be empty ("subscribe" vs "unsubscribe").
 */
export const PREFIX_OPPOSITES: ReadonlyArray<readonly [string, string]> = [
  ['', 'un'], ['an', 'ab'], ['ein', 'aus'], ['auf', 'zu'], ['up', 'down'],
  ['im', 'ex'], ['in', 'ex'], ['en', 'de'], ['hoch', 'herunter'], ['hoch', 'runter'], ['', 'in'], ['', 'ent'],
];
