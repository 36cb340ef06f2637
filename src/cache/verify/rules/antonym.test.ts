import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkAntonyms } from './antonym.ts';

const check = (a: string, b: string) => checkAntonyms(analyze(a), analyze(b));

describe('antonym rule', () => {
  test('rejects opposites from the lexicon in English', () => {
    expect(check('What is the cheapest Saarbahn ticket?', 'What is the most expensive Saarbahn ticket?')).toBeDefined();
    expect(check('SQL: sort results in ascending order', 'SQL: sort results in descending order')).toBeDefined();
    expect(check('How do I open the Biotonne lid lock?', 'How do I close the Biotonne lid lock?')).toBeDefined();
    expect(check('What is the earliest date I can apply?', 'What is the latest date I can apply?')).toBeDefined();
  });

  test('rejects opposites in German, including separable verbs', () => {
    expect(check('Wann öffnet das Hallenbad Dudweiler?', 'Wann schließt das Hallenbad Dudweiler?')).toBeDefined();
    expect(check('Welches ist das günstigste Busticket?', 'Welches ist das teuerste Busticket?')).toBeDefined();
    expect(check('Wie melde ich mein Kind von der Schule ab?', 'Wie melde ich mein Kind an der Schule an?')).toBeDefined();
    expect(check('Wie bestelle ich eine zusätzliche Biotonne?', 'Wie bestelle ich meine Biotonne ab?')).toBeDefined();
  });

  test('rejects a word against its opposite-prefixed form', () => {
    expect(check('How do I subscribe to the newsletter?', 'How do I unsubscribe from the newsletter?')).toBeDefined();
    expect(check('How do I activate the online ID function?', 'How do I deactivate the online ID function?')).toBeDefined();
  });

  test('accepts the same pole worded differently', () => {
    expect(check('Wann hat das Hallenbad geöffnet?', 'Öffnungszeiten Hallenbad?')).toBeUndefined();
    expect(check('What is the highest point in Saarland?', 'Which is the tallest mountain in the Saarland?')).toBeUndefined();
    expect(check('How do I remove duplicates from an array?', 'JS: how to deduplicate an array?')).toBeUndefined();
  });

  test('accepts a text that names both poles against one that names one', () => {
    expect(check('Wie tausche ich meinen alten Führerschein um?', 'Umtausch des alten Führerscheins in den neuen – wie geht das?')).toBeUndefined();
  });
});
