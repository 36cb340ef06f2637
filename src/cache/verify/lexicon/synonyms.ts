/**
 * Synonym concepts (English and German, folded) so that a reworded question does not look like a changed one:
 * "fee" and "Gebühr" and "costs" all become the key `cost`, "Hbf" becomes `hauptbahnhof`, "yellow bag" becomes
 * `gelber-sack`. Only the token-contrast and topic-overlap rules compare keys; the meaning rules (numbers,
 * negation, antonyms, units...) read the words themselves, so a concept here never hides an opposite.
 *
 * Format: one concept per line, `id: form, form, ...`. A form is a folded word, a phrase (words separated by
 * spaces, matched on consecutive tokens), or a prefix ending in `*` (at least 4 letters before the star).
 * The concept `_` lists filler phrases ("in order to", "such as", "gibt es") that carry no content.
 * Written as general vocabulary for citizen services, cooking and programming questions; missing synonyms cost
 * recall (a paraphrase looks like a substitution), never precision.
 */
import { Lexicon } from '../match.ts';

const CONCEPTS = `
_: in order to, such as, for example, for instance, e.g, z.b, zum beispiel, as well as, a lot of, lots of, kind of, sort of, how to, is there, are there, gibt es, um zu, or not, oder nicht, at once, auf einmal
cost: cost, costs, costing, fee, fees, price, prices, priced, charge, charges, kosten, kostet, koste, gebuhr*, preis*, teuer, teure, teuren, tarif*, pricing
pay: pay, pays, paying, paid, payment, zahlt, bezahl*, zahle, gezahlt
register: register*, registration*, anmeld*, enrol*, enroll*, einschreib*, sign up, signup
reregister: re-register, reregister*, ummeld*, update my registered address
deregister: deregist*, abmeld*
document: document*, paper, papers, paperwork, unterlag*, dokument*, nachweis*
apply: apply, applying, applied, application*, beantrag*, antrag*, antrage
obtain: obtain*, receive, received, bekomm*, bekam, erhalt*, erhielt
idcard: id card, id cards, personal id card, identity card, identity cards, personalausweis*, perso, ausweis
passport: passport*, reisepass*, pass
licence: driving licence, driving license, driver license, drivers license, driving licenses, driving licences, fuhrerschein*, licence, license, licenses, licences
dogtax: dog tax, hundesteuer*
bulkywaste: bulky waste, bulky rubbish, bulky trash, bulky items, sperrmull*, sperrmul
gelber-sack: yellow bag, yellow bags, yellow sack, gelber sack, gelbe sack, gelben sack, gelbe sacke, gelben sacke, gelben sacken
biotonne: biotonne, organic waste bin, organic bin, organic waste, bio bin, brown bin, biomull, bioabfall*
paperbin: blue bin, paper bin, blaue tonne, papiertonne, altpapier
bin: bin, bins, tonne, mulltonne
burgeramt: burgeramt, citizens office, citizen office, citizens service office, burgerburo, burgerservice
library: library, libraries, bibliothek, bucherei
stadtbibliothek: stadtbibliothek, city library, municipal library, public library, town library
unibibliothek: university library, universitatsbibliothek, uni library, unibibliothek
librarycard: library card, library cards, bibliotheksausweis*, leseausweis*, benutzerausweis*
hauptbahnhof: hauptbahnhof, hbf, main station, central station, main train station
university: university, universitat, uni
parkingpermit: residents parking permit, resident parking permit, parking permit, bewohnerparkausweis*, anwohnerparkausweis*, parkausweis*
appointment: appointment*, termin, termine, terminen
deadline: deadline*, frist, fristen, time limit, stichtag
openinghours: opening hours, opening times, offnungszeit*
open: open, opens, opened, offen, geoffnet, offnet, offnen
collect: collect, collects, collected, collection, pickup, pickups, pick up, picked up, abhol*, abgeholt, emptied, empty, geleert, leeren, leert
dispose: dispose, disposal, disposing, throw away, throw out, get rid, drop off, entsorg*, wegwerf*, wegwerfen, wohin mit
child: child, children, kid, kids, kind, kinder, kindes, kindern
adult: adult*, erwachsen*
school: school, schools, schule, schulen
primaryschool: primary school, elementary school, grundschul*
move: move, moves, moving, moved, umzug, umzuge, umzieh*, umgezogen, ziehe, zieht, ziehen
address: address, addresses, adress*, residence, wohnsitz*, anschrift
flat: flat, flats, apartment*, wohnung, wohnungen
bike: bike, bikes, bicycle*, fahrrad*
ticket: ticket, tickets, fahrschein*, fahrkart*, fahrausweis*
singleticket: single ticket, single ride, single fare, one-way ticket, einzelfahrschein*, einzelticket*, einfache fahrt
dayticket: day ticket, day pass, tagesticket*, tageskarte*
bus: bus, buses, busse, bussen
lost: lost, lose, losing, verlor*, verloren gegangen
stolen: stolen, stole, steal, gestohlen, geklaut, klaut
expired: expired, expire, expires, expiry, abgelaufen, ablaufen, lauft ab
renew: renew*, extend, extends, extended, extension, verlanger*, erneuer*
valid: valid, validity, gultig*, gilt, gelten
processingtime: processing time, bearbeitungszeit*, bearbeitungsdauer
recipe: recipe*, rezept*
cook: cook, cooks, cooking, cooked, kochen, koche, kocht, kochzeit, garzeit, garen
boil: boil, boils, boiled, boiling
bake: bake, bakes, baking, baked, backen, backe, backt, gebacken
make: make, makes, prepare*, create, creates, creating, zubereit*, erstell*, anleg*, angelegt, herstell*
remove: remove*, delete*, entfern*, losch*, geloscht
duplicate: duplicate*, duplikat*, doppelt*, deduplicat*, dedupe
convert: convert*, conversion, transform*, umwandel*, wandel*, wandle, umwandl*, konvertier*, umrechn*, rechne, umschreib*, umschreibung, exchange*, umtausch*, tausch*, swap*, parse, parsing
string: string, strings, zeichenkett*
number: number, numbers, zahl, numeric, numerisch*, amount, amounts, quantity, quantities, anzahl
object: object, objects, objekt*
table: table, tables, tabelle*
row: row, rows, zeile, zeilen, datensatz*, datensatze, record, records, entries, eintrage
column: column, columns, spalte*
query: query, queries, abfrag*
javascript: javascript, js, ecmascript
sort: sort, sorts, sorting, sorted, sortier*
check: check, checks, checking, test whether, prufen, prufe, pruft
wait: wait, waiting, pause, sleep, delay, warte*
rename: rename*, umbenenn*, change the name, namen andern
concat: concat*, concatenat*, verbind*, zusammenfug*
population: population, bevolkerung*, einwohner*, inhabitants, how many people live
capital: capital, capitol, hauptstadt
river: river, rivers, fluss, flusse
mountain: mountain*, berg, berge, peak, erhebung
name: name, names, called, heisst, heissen, namen
allowed: allowed, permitted, erlaubt, zulassig, gestattet, accepted, akzeptiert
free: free, kostenlos*, gratis, umsonst, free of charge, gebuhrenfrei
discount: discount*, reduced, reduction, ermassig*, rabatt*, vergunstig*
exempt: exempt*, befrei*
pool: pool, pools, swimming pool, swimming pools, schwimmbad*
outdoorpool: outdoor pool, outdoor pools, open-air pool, freibad*
indoorpool: indoor pool, hallenbad*
entry: entry, admission, entrance, eintritt*
holiday: holiday, holidays, feiertag*, bank holiday, bank holidays, public holiday, public holidays
phone: phone, phones, mobile, smartphone, handy
companycar: company car, company cars, firmenwagen, dienstwagen
rentalcar: rental car, hire car, mietwagen, mietauto
car: car, cars, auto, autos, wagen, vehicle*, fahrzeug*, pkw
photo: photo, photos, picture, foto, fotos, passfoto*, lichtbild*
electronics: electronics, electrical appliances, electronic devices, elektroschrott, elektrogerat*, e-waste, altgerat*
old: old, older, alt, alte, alten, alter, altes, gebraucht*
history: history, geschichte
borrow: borrow*, lend, lends, loan, loans, ausleih*, ausgeliehen*, leih*, check out, checked out
keep: keep, keeps, behalten
loanperiod: loan period, leihfrist*, ausleihfrist*
tax: tax, taxes, steuer
need: need, needs, needed, require, requires, required, necessary, brauch*, notig, erforderlich, benotig*
duty: mandatory, obligatory, compulsory, pflicht*
happen: happen*, passier*, geschieht, folge, folgen, consequence*
procedure: process, procedure, steps, step, method, verfahren, ablauf, vorgehen, anleitung, instructions, guide
explain: explain*, erklar*, describe*, beschreib*
possible: moglich*
buy: buy, buys, buying, bought, purchase*, kauf, kaufe, kaufen, kauft, gekauft
reserve: book a, book an, schedule, reserve*, buchen, bucht, reservier*
book: book, books, buch, bucher, buchern
difference: difference*, differ, differs, unterschied*, unterscheid*, vs, versus
distance: distance, far, entfernung*, weit
age: age, ages, lebensjahr*
dish: dish, dishes, gericht
sauce: sauce, sosse, sose
egg: egg, eggs, ei, eier
flour: flour, mehl
join: join, joins, joining, joined, verknupf*
selectdistinct: distinct, unique, eindeutig*, einzigartig*
sofa: sofa, sofas, couch, couches, settee
catchment: catchment area, school district, district, einzugsgebiet*, schulbezirk*, sprengel
ministerprasident: minister president, ministerprasident*, prime minister, premier
foreign: foreign, auslandisch*, non german, non eu
highestpoint: highest point, tallest mountain, highest mountain, highest peak, hochste berg, hochster berg, hochsten berg, hochste erhebung, hochster punkt, hochste punkt
path: path, paths, location, locations, pfad, pfade
schema: schema, schemas, layout, structure, struktur
sequence: order, sequence, reihenfolge
default: default, defaults, pre set, preset, voreingestellt*, standardwert*
year: year, years, jahr, jahre, jahren, jahres, yearly, annual*, jahrlich*
`;

/** Folded word, prefix or phrase → concept id. */
export const CONCEPTS_LEXICON = new Lexicon<string>();
for (const line of CONCEPTS.split('\n')) {
  const colon = line.indexOf(':');
  if (colon < 0) continue;
  CONCEPTS_LEXICON.addAll(line.slice(colon + 1), line.slice(0, colon).trim());
}

/** The concept a single folded word belongs to, if any. */
export function conceptOfWord(word: string): string | undefined {
  return CONCEPTS_LEXICON.lookupWord(word)[0];
}
