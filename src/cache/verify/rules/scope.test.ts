import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkScope } from './scope.ts';

const check = (a: string, b: string) => checkScope(analyze(a), analyze(b));

describe('scope rule', () => {
  test('rejects another audience, in English and German', () => {
    expect(check('How much does an ID card cost for adults?', 'How much does an ID card cost for children?')).toContain('children');
    expect(check('Was kostet das Monatsticket für Schüler?', 'Was kostet das Monatsticket für Erwachsene?')).toBeDefined();
    expect(check('How do I get a library card for my child?', 'How do I get a library card for myself?')).toBeDefined();
  });

  test('rejects one against all, and a singular against mehrere', () => {
    expect(check('SQL: how do I update one row?', 'SQL: how do I update all rows?')).toBeDefined();
    expect(check('SQL: Index auf eine Spalte anlegen', 'SQL: Index auf mehrere Spalten anlegen')).toBeDefined();
  });

  test('rejects another channel, period or case', () => {
    expect(check('How do I register my address online?', 'How do I register my address in person?')).toBeDefined();
    expect(check('Wann sind die Familienzeiten am Wochenende?', 'Wann sind die Familienzeiten unter der Woche?')).toBeDefined();
    expect(check('Wie beantrage ich zum ersten Mal einen Reisepass?', 'Wie verlängere ich meinen Reisepass?')).toBeDefined();
  });

  test('accepts a scope named on one side only, and synonyms of one value', () => {
    expect(check('Was gehört alles in den gelben Sack?', 'Was darf in den Gelben Sack?')).toBeUndefined();
    expect(check('Can I enrol my child in primary school?', 'Can I register my kid for primary school?')).toBeUndefined();
    expect(check('Wie hoch ist die Hundesteuer für einen Kampfhund?', 'Was zahlt man für einen gefährlichen Hund (Listenhund)?')).toBeUndefined();
  });
});
