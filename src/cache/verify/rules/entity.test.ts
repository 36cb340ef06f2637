import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkEntities } from './entity.ts';

const check = (a: string, b: string) => checkEntities(analyze(a), analyze(b));

describe('entity rule', () => {
  test('rejects a swapped place, office or venue from the gazetteer, in English and German', () => {
    expect(check('How much is the dog tax in Saarbrücken?', 'How much is the dog tax in Saarlouis?')).toContain('Saarlouis');
    expect(check('Wie hoch ist die Hundesteuer in Saarbrücken?', 'Wie hoch ist die Hundesteuer in Neunkirchen?')).toBeDefined();
    expect(check('Hat die Stadtbibliothek Saarbrücken samstags geöffnet?', 'Hat die Universitätsbibliothek Saarbrücken samstags geöffnet?')).toBeDefined();
  });

  test('rejects swapped programming names', () => {
    expect(check("What's the difference between map and forEach in JavaScript?", "What's the difference between map and filter in JavaScript?")).toBeDefined();
    expect(check('Was ist der Unterschied zwischen let und const?', 'Was ist der Unterschied zwischen let und var?')).toBeDefined();
  });

  test('rejects swapped capitalised names in English text that no lexicon lists', () => {
    expect(check('Is the Totobad open on Mondays?', 'Is the Waldbad open on Mondays?')).toBeDefined();
  });

  test('does not treat capitalised German nouns as names', () => {
    expect(check('Wie reinige ich meine Biotonne?', 'Wie reinige ich meine Pfanne?')).toBeUndefined();
  });

  test('accepts one text naming more places than the other, and aliases', () => {
    expect(check('Wann hat das Hallenbad Saarbrücken-Dudweiler geöffnet?', 'Öffnungszeiten Hallenbad Dudweiler?')).toBeUndefined();
    expect(check('What are the opening hours of the Stadtbibliothek Saarbrücken?', 'When is Saarbrücken city library open?')).toBeUndefined();
    expect(check('Where can I get yellow bags?', 'Where do I pick up Gelbe Säcke?')).toBeUndefined();
  });

  test('finds code names written differently on the other side', () => {
    expect(check('Steps to reset AUTO_INCREMENT in MySQL', 'How can I reset the auto-increment counter of a MySQL table?')).toBeUndefined();
    expect(check('The parameters of the datasets.TextClassification class', 'The parameters of the TextClassification class')).toBeUndefined();
    expect(check('Use the rename_column() method.', 'Use the remove_columns() method.')).toBeDefined();
  });
});
