/**
 * Scope: who or what a question is about, beyond its topic — the audience (adults vs children), the quantity
 * (one row vs all rows), the channel (online vs in person), the period (weekend vs weekdays), the case (first
 * application vs renewal)... Each line is a dimension `id: value = forms | value = forms ...`; a form is a word,
 * a prefix ending in `*` or a phrase. Two texts that name different values of one dimension ask about different
 * cases, even when everything else matches.
 */
import { Lexicon } from '../match.ts';

const SPEC = `
audience: adult = adult, adults, erwachsen*, grown-up, grown-ups | child = child, children, kid, kids, kind, kinder, kindes, kindern, minor, minors, minderjahrig*, jugendlich*, teenager*, baby, babys, kinderreisepass* | student = student, students, studierend*, schuler, schulerin*, pupil, pupils, schoolchild*, azubi*, auszubildend* | senior = pensioner*, senior, seniors, rentner*, retiree*, retired | family = family, families, famili* | disabled = disabled, schwerbehindert*, behindert* | self = myself, for me, fur mich, mich selbst, for my own use
party: private = private, privat, privaten, privater, privathaushalt*, household, households, haushalt, haushalte | business = business, businesses, business owner, company, companies, commercial, gewerb*, gewerbetreibend*, firma, firmen, unternehm*, betrieb, betriebe, betrieben, firmenwagen, dienstwagen, company car | tenant = tenant, tenants, mieter, mieterin, renter | owner = owner, owners, eigentumer*, homeowner*, vermieter*, landlord*
ownership: own = own, myself, eigene, eigenen, eigenes, eigener, selbst | other = someone else, somebody else, another person, jemand anderes, jemand anderen, andere person, anderen person, on my behalf, for her, for him
quantity: one = single, einzeln*, einzige*, one row, one table, one column, one element, one file | several = multiple, several, mehrere*, many, various, verschiedene* | all = all, every, each, alle, allen, aller, alles, jede, jeden, jeder, jedes, samtlich*, entire, whole, ganze, ganzen
channel: online = online, internet, web, website, digital*, e mail, email | inperson = in person, personlich, vor ort, on site, in the office, am schalter, at the counter | post = by post, by mail, per post, postalisch, brieflich
period: weekend = weekend, weekends, wochenend*, saturday and sunday | weekday = weekday, weekdays, werktag*, wochentag*, unter der woche, during the week, monday to friday | holiday = school holidays, ferien*, schulferien, holidays | term = term time, during term, schulzeit, semester
season: summer = summer, sommer, sommers, sommerzeit | winter = winter, winters, winterzeit | spring = spring, fruhling, fruhjahr | autumn = autumn, fall, herbst
case: first = first time, for the first time, zum ersten mal, erstmal*, erstantrag*, ersterteilung, first application, new applicant | renewal = renew, renewal, renewing, verlanger*, erneuer*, neuausstell*, extend | replacement = replacement, replace, ersatz*, duplicate, zweitschrift
place: abroad = abroad, overseas, ausland, auslands, im ausland, ins ausland, foreign country | domestic = in germany, within germany, innerhalb deutschlands, in deutschland, inland, domestic
residence: main = main residence, primary residence, hauptwohnsitz*, erstwohnsitz* | secondary = secondary residence, second home, second residence, nebenwohnsitz*, zweitwohnsitz*, zweitwohnung*
school: primary = primary school, primary, elementary school, grundschul* | secondary = secondary school, secondary, weiterfuhrend*, gymnasium, gymnasien, gemeinschaftsschul*, realschul*, gesamtschul*, high school
danger: dangerous = dangerous, gefahrlich*, kampfhund*, listenhund*, fighting dog | normal = normal, normalen, normaler, normales, regular, ordinary, standard
diet: vegetarian = vegetarian, vegetarisch*, vegan, vegane, veganen, veganer, fleischlos* | classic = classic, classical, klassisch*, traditional, traditionell*, original
copy: deep = deep copy, deep, tiefe kopie | shallow = shallow copy, shallow, flache kopie
`;

export interface ScopeValue {
  dimension: string;
  value: string;
}

/** Folded word, prefix or phrase → the scope dimension and value it names. */
export const SCOPE_LEXICON = new Lexicon<ScopeValue>();
for (const line of SPEC.split('\n')) {
  const colon = line.indexOf(':');
  if (colon < 0) continue;
  const dimension = line.slice(0, colon).trim();
  for (const part of line.slice(colon + 1).split('|')) {
    const [value, forms] = part.split('=') as [string, string];
    SCOPE_LEXICON.addAll(forms, { dimension, value: value.trim() });
  }
}
