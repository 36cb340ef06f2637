import { describe, expect, test } from 'bun:test';
import {
  cosineSimilarity,
  embeddingPrefix,
  exceedsEmbeddingPrefix,
  MAX_EMBED_INPUT_CHARS,
  normalizeInPlace,
} from './embedder.ts';

describe('embeddingPrefix', () => {
  test('leaves texts up to the limit unchanged', () => {
    const text = 'x'.repeat(MAX_EMBED_INPUT_CHARS);
    expect(embeddingPrefix(text)).toBe(text);
    expect(exceedsEmbeddingPrefix(text)).toBe(false);
  });

  test('cuts longer texts to the limit', () => {
    const text = 'y'.repeat(MAX_EMBED_INPUT_CHARS + 10);
    expect(embeddingPrefix(text)).toHaveLength(MAX_EMBED_INPUT_CHARS);
    expect(exceedsEmbeddingPrefix(text)).toBe(true);
  });

  test('never ends in half of a surrogate pair', () => {
    const text = 'ab😀cd'; // the emoji is two UTF-16 code units at indices 2 and 3
    expect(embeddingPrefix(text, 3)).toBe('ab');
    expect(embeddingPrefix(text, 4)).toBe('ab😀');
  });
});

describe('normalizeInPlace', () => {
  test('scales a vector to unit length in place', () => {
    const v = Float32Array.of(3, 4);
    expect(normalizeInPlace(v)).toBe(v);
    expect(Array.from(v)).toEqual([0.6000000238418579, 0.800000011920929]);
  });

  test('refuses zero and non-finite vectors instead of producing NaN', () => {
    expect(() => normalizeInPlace(new Float32Array(4))).toThrow(/zero norm/);
    expect(() => normalizeInPlace(Float32Array.of(1, Number.NaN))).toThrow(/non-finite/);
  });
});

describe('cosineSimilarity', () => {
  test('is the dot product of unit vectors and rejects mismatched lengths', () => {
    expect(cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(0, 1))).toBe(0);
    expect(cosineSimilarity(Float32Array.of(0.6, 0.8), Float32Array.of(0.6, 0.8))).toBeCloseTo(1, 6);
    expect(() => cosineSimilarity(new Float32Array(2), new Float32Array(3))).toThrow(/lengths differ/);
  });
});
