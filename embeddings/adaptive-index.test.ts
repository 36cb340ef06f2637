import { describe, expect, test } from 'bun:test';
import { AdaptiveIndex, DEFAULT_HNSW_THRESHOLD } from './adaptive-index.ts';
import { randomUnitVector, randomUnitVectors, seededRandom } from './random-unit-vectors.ts';

const DIMS = 16;
const entriesOf = (vectors: Float32Array[], prefix = 'id') =>
  vectors.map((vector, i) => ({ id: `${prefix}-${i}`, vector }));

describe('AdaptiveIndex', () => {
  test('answers exactly with a flat index below the threshold and switches to HNSW when size reaches it', () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 100 });
    const vectors = randomUnitVectors(100, DIMS, 21);
    vectors.slice(0, 99).forEach((v, i) => index.upsert(`id-${i}`, v));
    expect(index.kind).toBe('flat');
    const query = randomUnitVector(DIMS, seededRandom(22));
    const before = index.search(query, 10, -Infinity);

    index.upsert('id-99', vectors[99]!);
    expect(index.kind).toBe('hnsw');
    expect(index.size).toBe(100);
    const after = index.search(query, 11, -Infinity).filter((m) => m.id !== 'id-99').slice(0, 10);
    expect(after.map((m) => m.id)).toEqual(before.map((m) => m.id));
    after.forEach((m, i) => expect(m.score).toBeCloseTo(before[i]!.score, 5));
  });

  test('replacing an existing id at the threshold does not count as growth', () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 10 });
    const vectors = randomUnitVectors(10, DIMS, 23);
    vectors.slice(0, 9).forEach((v, i) => index.upsert(`id-${i}`, v));
    index.upsert('id-0', vectors[9]!);
    expect(index.kind).toBe('flat');
    expect(index.size).toBe(9);
  });

  test('builds HNSW in one go from a bulk load that crosses the threshold, later duplicates winning', () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 50 });
    const vectors = randomUnitVectors(81, DIMS, 24);
    index.upsertMany(entriesOf(vectors.slice(0, 30)));
    index.upsertMany([...entriesOf(vectors.slice(30, 80), 'bulk'), { id: 'id-0', vector: vectors[80]! }]);
    expect(index.kind).toBe('hnsw');
    expect(index.size).toBe(80);
    expect(index.search(vectors[80]!, 1, 0.999)[0]?.id).toBe('id-0');
    expect(index.search(vectors[45]!, 1, 0.999)[0]?.id).toBe('bulk-15');
  });

  test('stays HNSW after removals take it back below the threshold', () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 20 });
    const vectors = randomUnitVectors(30, DIMS, 25);
    index.upsertMany(entriesOf(vectors));
    for (let i = 0; i < 25; i++) index.remove(`id-${i}`);
    expect(index.kind).toBe('hnsw');
    expect(index.search(vectors[27]!, 1, 0.999)[0]?.id).toBe('id-27');
  });

  test('keeps serving from the flat index when the batch that would cross the threshold is rejected', () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 10 });
    const vectors = randomUnitVectors(12, DIMS, 26);
    index.upsertMany(entriesOf(vectors.slice(0, 5)));
    const bad = { id: 'bad', vector: new Float32Array(DIMS) };
    expect(() => index.upsertMany([...entriesOf(vectors.slice(5), 'more'), bad])).toThrow(RangeError);
    expect(index.kind).toBe('flat');
    expect(index.size).toBe(5);
    expect(index.search(vectors[3]!, 1, 0.999)[0]?.id).toBe('id-3');
  });

  test('clear starts over as a flat index', () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 5 });
    index.upsertMany(entriesOf(randomUnitVectors(6, DIMS, 27)));
    expect(index.kind).toBe('hnsw');
    index.clear();
    expect(index.kind).toBe('flat');
    expect(index.size).toBe(0);
  });

  test('defaults to the measured threshold and rejects a threshold below 1', () => {
    expect(new AdaptiveIndex({ dimensions: DIMS }).hnswThreshold).toBe(DEFAULT_HNSW_THRESHOLD);
    expect(() => new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 0 })).toThrow(RangeError);
  });
});
