import { describe, expect, test } from 'bun:test';
import { cosineSimilarity } from './embedder.ts';
import { FakeEmbedder } from './fake-embedder.ts';

describe('FakeEmbedder', () => {
  test('gives the same text the same vector in every instance', async () => {
    const [a] = await new FakeEmbedder().embed(['Reset my password']);
    const [b] = await new FakeEmbedder().embed(['Reset my password']);
    expect(Array.from(a!)).toEqual(Array.from(b!));
  });

  test('scores texts sharing most character n-grams above texts sharing none', async () => {
    const texts = ['reset my password', 'reset the password', 'weather in Berlin'];
    const [q, near, far] = await new FakeEmbedder().embed(texts);
    expect(cosineSimilarity(q!, near!)).toBeGreaterThan(0.5);
    expect(cosineSimilarity(q!, far!)).toBeLessThan(0.3);
  });

  test('names its scheme and size in modelId so its vectors never mix with a real model’s', () => {
    expect(new FakeEmbedder({ dimensions: 64 }).modelId).toBe('fake/char-3gram-hash-v1-d64');
  });

  test('rejects with code failed on the configured poison text', async () => {
    const fake = new FakeEmbedder({ failOn: 'boom' });
    await expect(fake.embed(['fine', 'a boom here'])).rejects.toMatchObject({ code: 'failed' });
  });
});
