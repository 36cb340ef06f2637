/**
 * Units of measure, currency and rate words (folded), each with its dimension. "per week" and "weekly" are the
 * same unit; "degrees" without a scale is its own unit so "180 Grad" vs "180 Grad Fahrenheit" differs.
 *
 * Format: `unit/dimension: form, form, ...`; phrases are matched on consecutive tokens. German compounds ending
 * in a unit listed in `COMPOUND_HEADS` count as that unit ("Fahrminuten" → minute).
 * Left out on purpose: bare "s", "m", "t", "l" and "min" (too often something else: SQL's MIN), "second"
 * (ordinal), "pound" as money. Forms marked `@de` only count in text that is not recognisably English
 * ("tag" is a day in German and an HTML tag in English).
 */
import { Lexicon, splitForms } from '../match.ts';

const SPEC = `
km/length: km, kilometer, kilometers, kilometre, kilometres, kilometern
mile/length: mile, miles, mi, meile, meilen
meter/length: meter, meters, metre, metres, metern
cm/length: cm, centimeter, centimeters, centimetre, centimetres, zentimeter, zentimetern
mm/length: mm, millimeter, millimeters, millimetre, millimetres, millimetern
inch/length: inch, inches, zoll
foot/length: ft, foot, feet
km2/area: km², km2, qkm, square kilometre, square kilometres, square kilometer, square kilometers, sq km, quadratkilometer, quadratkilometern
sqmi/area: square mile, square miles, sq mi
ha/area: ha, hectare, hectares, hektar
m2/area: m², m2, qm, square meter, square meters, square metre, square metres, quadratmeter, quadratmetern
g/mass: g, gram, grams, gramme, grammes, gramm
kg/mass: kg, kilo, kilos, kilogram, kilograms, kilogramm, kilogramme
oz/mass: oz, ounce, ounces, unze, unzen
lb/mass: lb, lbs, pound, pounds, pfund
tonne/mass: ton, tons, tonne, tonnes, tonnen
liter/volume: liter, liters, litre, litres, litern
ml/volume: ml, milliliter, milliliters, millilitre, millilitres, millilitern
cup/volume: cup, cups, tasse, tassen
tbsp/volume: tbsp, tablespoon, tablespoons, essloffel, el@de
tsp/volume: tsp, teaspoon, teaspoons, teeloffel, tl@de
ns/time: ns, nanosecond, nanoseconds, nanosekunde, nanosekunden
us/time: microsecond, microseconds, mikrosekunde, mikrosekunden
ms/time: ms, millisecond, milliseconds, millisekunde, millisekunden
sec/time: sec, secs, seconds, sekunde, sekunden
min/time: mins, minute, minutes, minuten
hour/time: h, hr, hrs, hour, hours, hourly, stunde, stunden, stundlich
day/time: day, days, daily, tag@de, tage@de, tagen@de, taglich
week/time: week, weeks, weekly, woche, wochen, wochentlich
month/time: month, months, monthly, monat, monate, monaten, monatlich, monats
quarter/time: quarter, quarters, quarterly, quartal, quartale, vierteljahrlich
year/time: year, years, yearly, annual, annually, per annum, jahr, jahre, jahren, jahres, jahrlich, jahrliche, jahrlichen, jahrlicher
celsius/temperature: celsius, °c, grad celsius
fahrenheit/temperature: fahrenheit, °f
degree/temperature: degree, degrees, grad@de, °
eur/currency: €, eur, euro, euros, cent, cents
usd/currency: $, usd, dollar, dollars
gbp/currency: £, gbp, sterling
byte/data: byte, bytes
kb/data: kb, kilobyte, kilobytes, kib
mb/data: mb, megabyte, megabytes, mib
gb/data: gb, gigabyte, gigabytes, gib
px/screen: px, pixel, pixels, pixeln
percent/ratio: %, percent, per cent, percentage, prozent
`;

export interface UnitForm {
  unit: string;
  dimension: string;
  /** Only in German (or undetermined) text. */
  germanOnly?: boolean;
}

export const UNITS_LEXICON = new Lexicon<UnitForm>();
/** Single-word forms, for callers that only need "is this a unit word". */
export const UNIT_WORDS = new Set<string>();
for (const line of SPEC.split('\n')) {
  const colon = line.indexOf(':');
  if (colon < 0) continue;
  const [unit, dimension] = line.slice(0, colon).trim().split('/') as [string, string];
  for (const form of splitForms(line.slice(colon + 1))) {
    const germanOnly = form.endsWith('@de');
    const clean = germanOnly ? form.slice(0, -3) : form;
    UNITS_LEXICON.add(clean, germanOnly ? { unit, dimension, germanOnly } : { unit, dimension });
    if (!clean.includes(' ')) UNIT_WORDS.add(clean);
  }
}

/** German compound heads: a longer word ending in one of these is that unit ("Fahrminuten", "Arbeitsstunden"). */
export const COMPOUND_HEADS: ReadonlyArray<readonly [string, UnitForm]> = [
  ['minuten', { unit: 'min', dimension: 'time' }],
  ['stunden', { unit: 'hour', dimension: 'time' }],
  ['sekunden', { unit: 'sec', dimension: 'time' }],
  ['kilometer', { unit: 'km', dimension: 'length' }],
  ['kilometern', { unit: 'km', dimension: 'length' }],
  ['meilen', { unit: 'mile', dimension: 'length' }],
  ['prozent', { unit: 'percent', dimension: 'ratio' }],
];
