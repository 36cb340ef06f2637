import { describe, expect, test } from 'bun:test';
import { FlatIndex } from './flat-index.ts';
import { randomUnitVectors } from './random-unit-vectors.ts';
import { compareMatches, type VectorMatch } from './vector-index.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('FlatIndex', () => {
  test('returns exactly the top k of a full sort, ties included, on a large index', () => {
    const dimensions = 24;
    const vectors = randomUnitVectors(3000, dimensions, 11);
    // Every tenth id shares a vector with another id, so the top k has exact ties to break.
    const entries = vectors.map((_, i) => ({
      id: `id-${(i * 7919) % 3000}`,
      vector: vectors[i % 10 === 9 ? i - 1 : i]!,
    }));
    const index = new FlatIndex({ dimensions });
    index.upsertMany(entries);
    for (const query of randomUnitVectors(20, dimensions, 12)) {
      const all: VectorMatch[] = entries.map(({ id, vector }) => ({ id, score: dot(vector, query) }));
      const expected = all.sort(compareMatches).slice(0, 25);
      const got = index.search(query, 25, -Infinity);
      expect(got.map((m) => m.id)).toEqual(expected.map((m) => m.id));
      got.forEach((m, i) => expect(m.score).toBeCloseTo(expected[i]!.score, 6));
    }
  });

  test('keeps the smallest ids when more vectors tie for the last place than k allows', () => {
    const dimensions = 24;
    const [shared, ...others] = randomUnitVectors(500, dimensions, 15);
    const index = new FlatIndex({ dimensions });
    others.forEach((vector, i) => index.upsert(`other-${i}`, vector));
    const tied = Array.from({ length: 40 }, (_, i) => `tie-${String((i * 17) % 40).padStart(2, '0')}`);
    for (const id of tied) index.upsert(id, shared!);
    expect(index.search(shared!, 25, -Infinity).map((m) => m.id)).toEqual(tied.toSorted().slice(0, 25));
  });

  test('grows its slab past the initial capacity and gives memory back after most entries are removed', () => {
    const dimensions = 16;
    const index = new FlatIndex({ dimensions, initialCapacity: 8 });
    const vectors = randomUnitVectors(1000, dimensions, 13);
    const small = index.memoryBytes();
    vectors.forEach((v, i) => index.upsert(`id-${i}`, v));
    const grown = index.memoryBytes();
    expect(grown).toBeGreaterThan(1000 * dimensions * 4);
    for (let i = 0; i < 990; i++) index.remove(`id-${i}`);
    expect(index.memoryBytes()).toBeLessThan(grown / 10);
    expect(index.memoryBytes()).toBeGreaterThanOrEqual(small - 1);
    for (let i = 990; i < 1000; i++) expect(index.search(vectors[i]!, 1, 0.999)[0]?.id).toBe(`id-${i}`);
  });

  test('keeps every remaining id with its own vector when removals move rows around', () => {
    const dimensions = 16;
    const index = new FlatIndex({ dimensions, initialCapacity: 2 });
    const vectors = randomUnitVectors(200, dimensions, 14);
    vectors.forEach((v, i) => index.upsert(`id-${i}`, v));
    for (const i of [0, 199, 57, 58, 120, 1]) index.remove(`id-${i}`);
    const live = index.ids().map((id) => ({ id, vector: [...index.vectorOf(id)!] }));
    expect(live).toHaveLength(194);
    for (const { id, vector } of live) expect(vector).toEqual([...vectors[Number(id.slice(3))]!]);
  });

  test('rejects a zero capacity or dimension count', () => {
    expect(() => new FlatIndex({ dimensions: 0 })).toThrow(RangeError);
    expect(() => new FlatIndex({ dimensions: 8, initialCapacity: 0 })).toThrow(RangeError);
  });
});
