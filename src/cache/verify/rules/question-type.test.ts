import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkQuestionType, extractQuestionType } from './question-type.ts';

const check = (a: string, b: string) => checkQuestionType(analyze(a), analyze(b));
const typeOf = (text: string) => extractQuestionType(analyze(text).words).type;

describe('question-type rule', () => {
  test('classifies English and German question words', () => {
    expect(typeOf('How much does a passport cost?')).toBe('amount');
    expect(typeOf('Wie lange ist ein Reisepass gültig?')).toBe('duration');
    expect(typeOf('Wann wird der Gelbe Sack abgeholt?')).toBe('time');
    expect(typeOf('Wo kaufe ich ein Ticket?')).toBe('place');
    expect(typeOf('Why was my application rejected?')).toBe('reason');
    expect(typeOf('Wie beantrage ich einen Reisepass?')).toBe('procedure');
    expect(typeOf('Soft-boiled egg: how many minutes?')).toBe('duration');
    expect(typeOf('Can I take my bike on the Saarbahn?')).toBe('yesno');
    expect(typeOf('Which river flows through Saarbrücken?')).toBe('open');
  });

  test('rejects a different kind of question on the same subject', () => {
    expect(check('How much does a new passport cost?', 'How long does a new passport take?')).toBeDefined();
    expect(check('When does the Saarbahn run at night?', 'Where does the Saarbahn run at night?')).toBeDefined();
    expect(check('Wann hat die Stadtbibliothek geöffnet?', 'Wo ist die Stadtbibliothek?')).toBeDefined();
    expect(check('Wie melde ich mich in Saarbrücken an?', 'Warum muss ich mich in Saarbrücken anmelden?')).toBeDefined();
  });

  test('accepts compatible wordings: bis wann ~ wie lange, where ~ how, what ~ anything', () => {
    expect(check('Wie lange ist ein Tagesticket gültig?', 'Bis wann gilt ein Tagesticket?')).toBeUndefined();
    expect(check('Where do I throw away a broken glass?', 'How should I dispose of a broken glass?')).toBeUndefined();
    expect(check('What are the opening hours of the library?', 'When is the library open?')).toBeUndefined();
    expect(check('How long is a German passport valid?', 'For how many years is a German passport valid?')).toBeUndefined();
  });
});
