import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkAddedDetail } from './added-detail.ts';

/** `query` is the new question, `cached` the stored one. */
const check = (query: string, cached: string) => checkAddedDetail(analyze(query), analyze(cached));

describe('added-detail rule', () => {
  test('rejects a cached question about a specific thing the new one never mentions', () => {
    expect(check('Wie beantrage ich einen Bewohnerparkausweis?', 'Gilt mein Bewohnerparkausweis auch für einen Mietwagen?')).toContain('mietwagen');
    expect(check('Is there a dog tax discount for rescue dogs from a shelter?', 'Is there a discount on dog tax for assistance dogs?')).toContain('assistance');
    expect(check('Wann muss ich die Hundesteuer bezahlen?', 'Muss ich Hundesteuer zahlen, wenn mein Hund ein Assistenzhund ist?')).toContain('assistenzhund');
  });

  test('is one-directional: a more general cached question is left to the other rules', () => {
    expect(check('Gilt mein Bewohnerparkausweis auch für einen Mietwagen?', 'Wie beantrage ich einen Bewohnerparkausweis?')).toBeUndefined();
  });

  test('accepts rewordings whose long words are linked by synonyms, typos or compounds, and short swapped words', () => {
    expect(check('how to get a resident parking permit', "How do I apply for a residents' parking permit?")).toBeUndefined();
    expect(check('Wann wird der Sperrmüll abgeholt?', 'Wann ist die Sperrmüllabholung?')).toBeUndefined();
    expect(check('How do I register my new address in Saarbrücken?', 'How do I regster my new adress in Saarbrucken?')).toBeUndefined();
    expect(check('Can I take my bike on the Saarbahn?', 'Can I bring my bicycle on the Saarbahn?')).toBeUndefined();
  });

  test('leaves long statements to the topic rule', () => {
    const long = 'The DownloadManager class is used to download and extract TAR archives in non-streaming mode for datasets hosted remotely.';
    expect(check('The DownloadManager class is used to manage downloads.', long)).toBeUndefined();
  });
});
