import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkUnits } from './unit.ts';

const check = (a: string, b: string) => checkUnits(analyze(a), analyze(b));

describe('unit rule', () => {
  test('rejects another unit of the same dimension, in English and German', () => {
    expect(check('How many kilometres is it from Saarbrücken to Metz?', 'How many miles is it from Saarbrücken to Metz?')).toContain('miles');
    expect(check('SQL: Datensätze der letzten 7 Tage abfragen', 'SQL: Datensätze der letzten 7 Wochen abfragen')).toBeDefined();
    expect(check('Was kostet der Bewohnerparkausweis pro Jahr?', 'Was kostet der Bewohnerparkausweis pro Monat?')).toBeDefined();
    expect(check('Bake the cake at 180 degrees Celsius – how long?', 'Bake the cake at 180 degrees Fahrenheit – how long?')).toBeDefined();
  });

  test('rejects units of different dimensions', () => {
    expect(check('How many litres does a standard Biotonne hold?', 'How many kilograms may a standard Biotonne weigh?')).toBeDefined();
    expect(check('Wie weit ist es nach Trier in Kilometern?', 'Wie weit ist es nach Trier in Fahrminuten?')).toBeDefined();
  });

  test('accepts a unit named on one side only', () => {
    expect(check('How long should I boil an egg for a soft yolk?', 'Soft-boiled egg: how many minutes?')).toBeUndefined();
    expect(check('Wie lange ist ein Personalausweis gültig?', 'Wie viele Jahre ist der Perso gültig?')).toBeUndefined();
  });

  test('accepts "per year" against "yearly" and "jedes Jahr" against "jährlich"', () => {
    expect(check('How much does a residents parking permit cost per year?', 'What is the yearly fee for a resident parking permit?')).toBeUndefined();
    expect(check('Muss ich die Hundesteuer jedes Jahr zahlen?', 'Ist die Hundesteuer eine jährliche Abgabe?')).toBeUndefined();
  });

  test('reads "Tag" as a day only in German text', () => {
    expect(check('How do I add a script tag?', 'How do I add a script tag in minutes?')).toBeUndefined();
  });
});
