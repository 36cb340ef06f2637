import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkNegation } from './negation.ts';

const check = (a: string, b: string) => checkNegation(analyze(a), analyze(b));

describe('negation rule', () => {
  test("rejects a negated question against the plain one (not, n't, never)", () => {
    expect(check('Which vegetables can you eat raw?', "Which vegetables shouldn't you eat raw?")).toBeDefined();
    expect(check('Which Saarbahn stops have step-free access?', "Which Saarbahn stops don't have step-free access?")).toContain('not');
    expect(check('How do I select customers who have placed an order?', 'How do I select customers who have never placed an order?')).toBeDefined();
  });

  test('rejects German nicht, kein and ohne against the plain question', () => {
    expect(check('Welche Medien kann ich verlängern?', 'Welche Medien kann ich nicht verlängern?')).toBeDefined();
    expect(check('Welche Bundesländer haben eine Grenze zum Ausland?', 'Welche Bundesländer haben keine Grenze zum Ausland?')).toBeDefined();
    expect(check('Pfannkuchenteig mit Milch – wie geht das?', 'Pfannkuchenteig ohne Milch – wie geht das?')).toBeDefined();
  });

  test('accepts a negation on both sides, and a double negation against none', () => {
    expect(check("Why doesn't my regex match?", 'Why does my regex not match?')).toBeUndefined();
    expect(check('Why is it not never shown?', 'Why is it shown?')).toBeUndefined();
  });

  test('accepts "outside" against "not in" (both are one negation)', () => {
    expect(check('Can I enrol my child in a school outside our catchment area?', 'Can I register my kid at a school not in our district?')).toBeUndefined();
  });

  test('leaves "not allowed" vs "allowed" to the antonym rule: it is folded into "forbidden"', () => {
    expect(check('Which items are allowed in the Biotonne?', 'Which items are not allowed in the Biotonne?')).toBeUndefined();
    expect(analyze('Which items are not allowed?').antonyms.poles.get('allowed')?.has(1)).toBe(true);
  });

  test('folds "nicht angenommen" into "abgelehnt" so the paraphrase passes', () => {
    expect(check('Warum wurde das Saarstatut 1955 abgelehnt?', 'Weshalb wurde das Saarstatut 1955 nicht angenommen?')).toBeUndefined();
  });

  test('reads "without a ticket" as "free", not as a negation', () => {
    expect(check('Up to what age do children travel free on Saarbahn buses?', 'Until which age can kids ride Saarbahn buses without a ticket?')).toBeUndefined();
  });

  test('ignores an answer word "No," and "or not"', () => {
    expect(check("No, it doesn't exist in version 2.", 'Version 2 does not have it.')).toBeUndefined();
    expect(check('You can decide whether it is loaded or not.', 'You can decide whether it is loaded.')).toBeUndefined();
  });
});
