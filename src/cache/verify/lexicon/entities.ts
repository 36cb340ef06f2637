/**
 * A small gazetteer of named things this assistant is asked about (folded): Saarland towns and districts, nearby
 * cities, regions and countries, public offices and venues, Saarland dishes and people, and the programming
 * names that decide an answer (languages, databases, JS methods, SQL keywords, data types).
 *
 * Why a lexicon: German capitalises every noun, so capitalisation is no entity signal there; in English text the
 * analyser additionally treats capitalised words that are not sentence-initial and not known vocabulary as names.
 * Format: one entity per line, `id/class: alias, alias, ...`; aliases are words or phrases ("new york").
 * Two texts that each name an entity the other does not ("Saarbrücken" vs "Saarlouis") ask about different
 * things. A missing entry costs precision only where the token-contrast rule does not catch the swap.
 */
import { Lexicon } from '../match.ts';

const SPEC = `
saarbrucken/place: saarbrucken, saarbrucker
volklingen/place: volklingen, volklinger
saarlouis/place: saarlouis, saarlouiser
homburg/place: homburg, homburger
neunkirchen/place: neunkirchen, neunkircher
st-ingbert/place: st ingbert, sankt ingbert, st. ingbert
st-wendel/place: st wendel, sankt wendel, st. wendel
merzig/place: merzig
dillingen/place: dillingen
dudweiler/place: dudweiler
burbach/place: burbach
fechingen/place: fechingen
malstatt/place: malstatt
brebach/place: brebach
mettlach/place: mettlach
perl/place: perl
blieskastel/place: blieskastel
sulzbach/place: sulzbach
puttlingen/place: puttlingen
lebach/place: lebach
ottweiler/place: ottweiler
bexbach/place: bexbach
heusweiler/place: heusweiler
ensheim/place: ensheim
mitte/place: mitte
metz/place: metz
forbach/place: forbach
sarreguemines/place: sarreguemines, saargemund
trier/place: trier
kaiserslautern/place: kaiserslautern
mainz/place: mainz
strasbourg/place: strasbourg, strassburg
luxembourg-city/place: luxembourg city
london/place: london
new-york/place: new york, nyc
paris/place: paris
berlin/place: berlin
saarland/region: saarland, saarlandes, saarlands, saarlander, saarlandisch*
rlp/region: rhineland-palatinate, rhineland palatinate, rheinland-pfalz, rheinland pfalz, rlp
lorraine/region: lorraine, lothringen
bavaria/region: bavaria, bayern
germany/country: germany, german, deutschland, deutschlands, deutsch, deutsche, deutschen, deutscher, brd, federal republic, bundesrepublik, west germany, westdeutschland
france/country: france, french, frankreich, franzosisch*, franzosen
uk/country: uk, united kingdom, britain, great britain, british, england, english, grossbritannien, britisch*, englisch*
usa/country: usa, u.s, united states, america, american, amerika, amerikanisch*
turkey/country: turkey, turkish, turkei, turkisch*
luxembourg/country: luxembourg, luxemburg, luxemburgisch*
belgium/country: belgium, belgian, belgien, belgisch*
netherlands/country: netherlands, dutch, niederlande, niederlandisch*, holland
switzerland/country: switzerland, swiss, schweiz, schweizer*
austria/country: austria, austrian, osterreich*
italy/country: italy, italian, italien, italienisch*
spain/country: spain, spanish, spanien, spanisch*
poland/country: poland, polish, polen, polnisch*
eu/country: eu, european union, europaische union
burgeramt/office: burgeramt, citizens office, burgerburo, burgerservice
auslanderbehorde/office: auslanderbehorde, immigration office
fuhrerscheinstelle/office: fuhrerscheinstelle, driving licence office
standesamt/office: standesamt, registry office
finanzamt/office: finanzamt, tax office
rathaus/office: rathaus, town hall, city hall
stadtbibliothek/venue: stadtbibliothek, city library, municipal library
unibibliothek/venue: universitatsbibliothek, university library, unibibliothek, saarland university library
university/venue: saarland university, universitat des saarlandes, uni saarland, universitat
totobad/venue: totobad
calypso/venue: calypso
schwarzenbergbad/venue: schwarzenbergbad
kombibad/venue: kombibad
wertstoffhof/venue: wertstoffhof, recycling centre, recycling center
zoo/venue: zoo, saarbrucker zoo
airport/venue: airport, flughafen
ludwigskirche/venue: ludwigskirche
schlosskirche/venue: schlosskirche
schloss/venue: schloss, saarbrucker schloss, castle
dfg/venue: deutsch-franzosischer garten, deutsch franzosischer garten, deutsch-franzosischen garten, deutsch franzosischen garten
romerkastell/venue: romerkastell
johanneskirche/venue: johanneskirche
staatstheater/venue: staatstheater, state theatre, state theater, saarland state theatre
hauptbahnhof/venue: hauptbahnhof, hbf, main station, central station
innenstadt/venue: innenstadt, city centre, city center, downtown
saarbahn/transport: saarbahn
deutschlandticket/ticket: deutschlandticket, deutschland-ticket, d-ticket, 49 euro ticket
saar/river: saar
blies/river: blies
mosel/river: mosel, moselle
rhein/river: rhein, rhine
saarschleife/sight: saarschleife
dollberg/sight: dollberg
erbeskopf/sight: erbeskopf
saarstatut/history: saarstatut, saar statute
dibbelabbes/dish: dibbelabbes
hoorische/dish: hoorische
gefillde/dish: gefillde
schwenker/dish: schwenker
lyoner/dish: lyoner, lyoner pfanne
spatzle/dish: spatzle
hefezopf/dish: hefezopf
johannes-hoffmann/person: johannes hoffmann, hoffmann
gilbert-grandval/person: gilbert grandval, grandval
lafontaine/person: lafontaine, oskar lafontaine
javascript/tech: javascript, js
typescript/tech: typescript, ts
sql/tech: sql
mysql/tech: mysql
postgresql/tech: postgresql, postgres
sqlite/tech: sqlite
python/tech: python
java/tech: java
json/tech: json
css/tech: css
html/tech: html
map-fn/js: map
filter-fn/js: filter
foreach-fn/js: foreach
reduce-fn/js: reduce
let-kw/js: let
var-kw/js: var
const-kw/js: const
promise/js: promise, promises
promise-all/js: promise.all
closure/js: closure, closures
union/sqlkw: union
union-all/sqlkw: union all
join/sqlkw: join, joins
inner-join/sqlkw: inner join
left-join/sqlkw: left join
right-join/sqlkw: right join
group-by/sqlkw: group by
order-by/sqlkw: order by
intersect/sqlkw: intersect
array/type: array, arrays
string/type: string, strings, zeichenkette, zeichenketten
object/type: object, objects, objekt, objekte, objekts
timestamp/type: timestamp, timestamps, zeitstempel
table/dbobj: table, tables, tabelle, tabellen
column/dbobj: column, columns, spalte, spalten
row/dbobj: row, rows, zeile, zeilen, datensatz, datensatze
database/dbobj: database, databases, datenbank, datenbanken
index/dbobj: index, indexes, indices
element/dom: element, elements, elemente
character/dom: character, characters, zeichen
`;

export interface EntityEntry {
  id: string;
  cls: string;
}

export const ENTITIES_LEXICON = new Lexicon<EntityEntry>();
for (const line of SPEC.split('\n')) {
  const colon = line.indexOf(':');
  if (colon < 0) continue;
  const [id, cls] = line.slice(0, colon).trim().split('/') as [string, string];
  ENTITIES_LEXICON.addAll(line.slice(colon + 1), { id, cls });
}

export function entityOfWord(word: string): EntityEntry | undefined {
  return ENTITIES_LEXICON.lookupWord(word)[0];
}

/**
 * Classes whose members are alternatives to one another: two texts that name different members ask different
 * questions even if one of them also names a third thing.
 */
export const CONTRASTING_CLASSES: ReadonlySet<string> = new Set([
  'place', 'region', 'country', 'office', 'venue', 'river', 'sight', 'dish', 'person', 'tech', 'js', 'sqlkw', 'type', 'dbobj', 'dom', 'transport', 'ticket', 'history',
]);
