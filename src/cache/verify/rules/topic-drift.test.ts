import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkTopicDrift } from './topic-drift.ts';

const check = (a: string, b: string) => checkTopicDrift(analyze(a), analyze(b));

describe('topic-drift rule', () => {
  test('rejects questions that share only their frame, in English and German', () => {
    expect(check('Wie lange braucht die Saarbahn bis Sarreguemines?', 'Wie lange braucht ein Hefeteig zum Gehen?')).toBeDefined();
    expect(check('How long do I cook rice?', 'How long do I keep a library book?')).toBeDefined();
    expect(check('Wie viel kostet die Sperrmüllabholung?', 'Was kostet der Leseausweis der Stadtbibliothek?')).toBeDefined();
  });

  test('accepts rewordings that keep the topic words or their synonyms', () => {
    expect(check('Where can I drop off old electronics?', 'Where do I dispose of old electrical appliances?')).toBeUndefined();
    expect(check('Wo kann ich Altglas entsorgen?', 'Wohin mit leeren Glasflaschen und Gläsern?')).toBeUndefined();
    expect(check('how do i regster my adress in saarbrucken', 'How do I register my address in Saarbrücken?')).toBeUndefined();
  });
});
