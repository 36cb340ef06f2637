import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkContrast } from './contrast.ts';

const check = (a: string, b: string) => checkContrast(analyze(a), analyze(b));

describe('contrast rule', () => {
  test('rejects one noun swapped in a shared frame, in English and German', () => {
    expect(check('How do I dispose of old paint cans?', 'How do I dispose of an old passport?')).toContain('passport');
    expect(check('Was kostet ein Schwimmkurs für Kinder?', 'Was kostet ein Personalausweis für Kinder?')).toBeDefined();
    expect(check('Wie reinige ich meine Biotonne im Sommer?', 'Wie reinige ich meine Pfanne nach dem Anbraten?')).toBeDefined();
  });

  test('rejects German verbs replaced by a new noun', () => {
    expect(check('Wo kann ich im Winter schwimmen gehen?', 'Wo kann ich im Winter meinen Weihnachtsbaum entsorgen?')).toBeDefined();
  });

  test('accepts synonyms, typos and compounds in the swapped place', () => {
    expect(check('How do I get rid of an old sofa?', "What's the way to dispose of an old couch?")).toBeUndefined();
    expect(check('how do i regster my adress', 'How do I register my address?')).toBeUndefined();
    expect(check('Wie lange muss ein Schweinebraten in den Ofen?', 'Wie lange brät man einen Schweinebraten im Backofen?')).toBeUndefined();
  });

  test('accepts swapped general verbs and German lower-case words', () => {
    expect(check('You can use a pretrained model.', 'You can employ a pretrained model.')).toBeUndefined();
    expect(check('Darf ich mein Fahrrad in der Saarbahn mitnehmen?', 'Ist die Fahrradmitnahme in der Saarbahn erlaubt?')).toBeUndefined();
  });

  test('leaves long statements to the other rules', () => {
    const long = 'The load_dataset function downloads the data files, builds the cache and prepares every split of the dataset.';
    expect(check(long, long.replace('cache', 'index'))).toBeUndefined();
  });
});
