import { describe, expect, test } from 'bun:test';
import { editDistance, foldText, stem, tokenize } from './normalize.ts';

describe('normalisation', () => {
  test('folds case, umlauts, ß and accents', () => {
    expect(foldText('Größe Übersicht Straße café')).toBe('grosse ubersicht strasse cafe');
  });

  test('keeps numbers with their separators and marks suffixes written straight after digits', () => {
    const tokens = tokenize('Bis 3,5 Tonnen um 5:20, ein 4er-Ticket für 37.50 €?');
    expect(tokens.filter((t) => t.kind === 'number').map((t) => t.text)).toEqual(['3,5', '5:20', '4', '37.50']);
    const er = tokens.find((t) => t.text === 'er')!;
    expect(er.attached).toBe(true);
    expect(tokens.find((t) => t.text === '€')?.kind).toBe('symbol');
  });

  test('expands English contractions and drops possessives', () => {
    const words = tokenize("Why doesn't it work? What's my child's fee? I can't.").filter((t) => t.kind === 'word').map((t) => t.text);
    expect(words).toEqual(['why', 'does', 'not', 'it', 'work', 'what', 'is', 'my', 'child', 'fee', 'i', 'can', 'not']);
  });

  test('keeps identifiers and dotted names whole', () => {
    const words = tokenize('Use `Promise.all` with orders_archive in ES6').filter((t) => t.kind === 'word').map((t) => t.text);
    expect(words).toEqual(['use', 'promise.all', 'with', 'orders_archive', 'in', 'es6']);
  });

  test('marks sentence starts after . ? ! : ;', () => {
    const tokens = tokenize('I moved. Do I have to register?');
    expect(tokens.filter((t) => t.sentenceStart).map((t) => t.text)).toEqual(['i', 'do']);
  });

  test('stems English and German inflections to the same form', () => {
    expect(stem('registering')).toBe(stem('registered'));
    expect(stem('gelben')).toBe(stem('gelber'));
    expect(stem('hundes')).toBe(stem('hund'));
    expect(stem('orders_archive')).toBe('orders_archive');
  });

  test('measures edit distance with transpositions and stops early', () => {
    expect(editDistance('regster', 'register')).toBe(1);
    expect(editDistance('adress', 'address')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('kilometer', 'haltestelle', 2)).toBe(3);
  });
});
