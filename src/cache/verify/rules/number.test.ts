import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkNumbers } from './number.ts';

const check = (a: string, b: string) => checkNumbers(analyze(a), analyze(b));

describe('number rule', () => {
  test('rejects a different count in English and German', () => {
    expect(check('How much is the dog tax for 2 dogs in Saarbrücken?', 'How much is the dog tax for 3 dogs in Saarbrücken?')).toContain('2');
    expect(check('Kann ich 8 Bücher gleichzeitig ausleihen?', 'Kann ich 80 Bücher gleichzeitig ausleihen?')).toBeDefined();
  });

  test('rejects a different clock time, including am versus pm', () => {
    expect(check('Is the Totobad open at 7 am on Saturday?', 'Is the Totobad open at 7 pm on Saturday?')).toBeDefined();
    expect(check('Fährt um 5 Uhr morgens eine Saarbahn?', 'Fährt um 1 Uhr nachts eine Saarbahn?')).toBeDefined();
  });

  test('rejects different ordinals, and an ordinal against none', () => {
    expect(check('Wie hoch ist die Hundesteuer für den zweiten Hund?', 'Wie hoch ist die Hundesteuer für den ersten Hund?')).toBeDefined();
    expect(check('What is the largest city in Saarland?', 'What is the second largest city in Saarland?')).toBeDefined();
    expect(check('SQL: how do I get the 3rd highest salary?', 'SQL: how do I get the highest salary?')).toBeDefined();
  });

  test('rejects opposite bounds on the same number', () => {
    expect(check('How much does a passport cost for someone under 24?', 'How much does a passport cost for someone over 24?')).toContain('under 24');
    expect(check('Was kostet ein Reisepass für Personen unter 24 Jahren?', 'Was kostet ein Reisepass für Personen ab 24 Jahren?')).toBeDefined();
  });

  test('rejects a different month and a different weekday', () => {
    expect(check('Ist ein Kind, das im Juni 6 wird, schulpflichtig?', 'Ist ein Kind, das im Oktober 6 wird, schulpflichtig?')).toBeDefined();
    expect(check('Is the library open on Mondays?', 'Is the library open on Tuesdays?')).toBeDefined();
  });

  test('rejects "for one year" against "for two years": the article was a number after all', () => {
    expect(check('Was kostet die Verlängerung für ein Jahr?', 'Was kostet die Verlängerung für zwei Jahre?')).toBeDefined();
  });

  test('accepts the same number written as a digit and as a word, in English and German', () => {
    expect(check('How do I join two tables in SQL?', "What's the syntax for joining 2 tables in SQL?")).toBeUndefined();
    expect(check('JS how to wait 2 seconds', 'How do I pause for two seconds in JavaScript?')).toBeUndefined();
    expect(check('Wie verbinde ich zwei Tabellen?', 'Wie verbinde ich 2 Tabellen?')).toBeUndefined();
  });

  test('accepts decimals written with a comma or a dot, and 12 Uhr as noon', () => {
    expect(check('Führerschein für 3,5 Tonnen?', 'Führerschein für 3.5 Tonnen?')).toBeUndefined();
    expect(check('What time is it in London at 12 Uhr?', 'What time is it in London at noon?')).toBeUndefined();
  });

  test('accepts an article against no number, and "one" against "a single"', () => {
    expect(check('Wie hoch ist die Hundesteuer für einen Hund?', 'Wieviel Hundesteuer zahlt man für einen einzelnen Hund?')).toBeUndefined();
    expect(check('How much is the dog tax for one dog?', "What's the dog tax for a single dog?")).toBeUndefined();
  });

  test('accepts a spelled-out number that the paraphrase leaves implicit', () => {
    expect(check('Wie verbinde ich zwei Strings in SQL?', 'SQL: Zeichenketten zusammenfügen (concat)')).toBeUndefined();
  });

  test('treats "first" without a determiner as an adverb, not an ordinal', () => {
    expect(check('You can load it by first creating a database.', 'You can load it by creating a database.')).toBeUndefined();
    expect(check('SQL: die ersten 10 Zeilen anzeigen', 'SQL: die Top 10 Zeilen anzeigen')).toBeUndefined();
  });
});
