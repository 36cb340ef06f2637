import { describe, expect, test } from 'bun:test';
import { createMatchVerifier } from './match-verifier.ts';
import { REJECT_REASONS } from './types.ts';

describe('match verifier', () => {
  const verifier = createMatchVerifier();

  test('accepts paraphrases in English and German', () => {
    expect(verifier.verify('How do I register my new address in Saarbrücken?', "What's the process for registering my residence after moving to Saarbrücken?")).toEqual({ ok: true });
    expect(verifier.verify('Was kostet ein Reisepass für Erwachsene?', 'Wie teuer ist der Reisepass für eine erwachsene Person?')).toEqual({ ok: true });
    expect(verifier.verify('JS how to wait 2 seconds', 'How do I pause for two seconds in JavaScript?')).toEqual({ ok: true });
  });

  test('names the kind of flip it found', () => {
    const cases: Array<[string, string, string]> = [
      ['How much is the dog tax for 2 dogs?', 'How much is the dog tax for 3 dogs?', 'number'],
      ['Welche Medien kann ich verlängern?', 'Welche Medien kann ich nicht verlängern?', 'negation'],
      ['How do I migrate data from MySQL to PostgreSQL?', 'How do I migrate data from PostgreSQL to MySQL?', 'direction'],
      ['Wann öffnet das Hallenbad Dudweiler?', 'Wann schließt das Hallenbad Dudweiler?', 'antonym'],
      ['How much does a new passport cost?', 'How long does a new passport take?', 'question-type'],
      ['Wie hoch ist die Hundesteuer in Saarbrücken?', 'Wie hoch ist die Hundesteuer in Neunkirchen?', 'entity'],
      ['How much is the parking permit per month?', 'How much is the parking permit per year?', 'unit'],
      ['Was kostet das Monatsticket für Schüler?', 'Was kostet das Monatsticket für Erwachsene?', 'scope'],
      ['How do I dispose of old paint cans?', 'How do I dispose of an old passport?', 'contrast'],
      ['Wie lange braucht die Saarbahn bis Sarreguemines?', 'Wie lange braucht ein Hefeteig zum Gehen?', 'topic-drift'],
    ];
    for (const [query, candidate, reason] of cases) {
      const verdict = verifier.verify(query, candidate);
      expect({ query, reason: verdict.ok ? 'ok' : verdict.reason }).toEqual({ query, reason });
      if (!verdict.ok) expect(verdict.detail.length).toBeGreaterThan(0);
    }
  });

  test('lets single rules be switched off', () => {
    const noNumbers = createMatchVerifier({ rules: { number: false } });
    expect(noNumbers.verify('Dog tax for 2 dogs?', 'Dog tax for 3 dogs?')).toEqual({ ok: true });
  });

  test('analyses a text once and reuses the features', () => {
    const v = createMatchVerifier({ memoSize: 2 });
    const query = v.analyze('How much is a single Saarbahn ticket?');
    expect(v.analyze('How much is a single Saarbahn ticket?')).toBe(query);
    const candidate = v.analyze('What does a single Saarbahn ticket cost?');
    expect(v.verifyFeatures(query, candidate)).toEqual({ ok: true });
    v.analyze('a'); v.analyze('b');
    expect(v.analyze('How much is a single Saarbahn ticket?')).not.toBe(query);
  });

  test('handles empty, punctuation-only, huge and odd input without throwing', () => {
    for (const text of ['', '???', '🙂', 'x'.repeat(20_000), 'a\u0000b', '12345']) {
      expect(() => verifier.verify(text, 'How do I register my address?')).not.toThrow();
    }
    expect(verifier.verify('', '')).toEqual({ ok: true });
  });

  test('exposes the list of reasons', () => {
    expect(REJECT_REASONS).toContain('contrast');
  });
});
