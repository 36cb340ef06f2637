import { describe, expect, test } from 'bun:test';
import { AdaptiveIndex, DEFAULT_HNSW_THRESHOLD } from './adaptive-index.ts';
import { randomUnitVector, randomUnitVectors, seededRandom } from './random-unit-vectors.ts';

const DIMS = 16;
const entriesOf = (vectors: Float32Array[], prefix = 'id') =>
  vectors.map((vector, i) => ({ id: `${prefix}-${i}`, vector }));

describe('AdaptiveIndex', () => {
  test('answers exactly with a flat index below the threshold and switches to HNSW once the background build is done', async () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 100 });
    const vectors = randomUnitVectors(100, DIMS, 21);
    vectors.slice(0, 99).forEach((v, i) => index.upsert(`id-${i}`, v));
    expect(index.kind).toBe('flat');
    expect(index.building).toBe(false);
    const query = randomUnitVector(DIMS, seededRandom(22));
    const before = index.search(query, 10, -Infinity);

    index.upsert('id-99', vectors[99]!);
    // The crossing call returns at once; the flat index keeps answering until the graph is complete.
    expect(index.building).toBe(true);
    expect(index.kind).toBe('flat');
    expect(index.search(vectors[99]!, 1, 0.999)[0]?.id).toBe('id-99');
    await index.whenSettled();
    expect(index.kind).toBe('hnsw');
    expect(index.building).toBe(false);
    expect(index.size).toBe(100);
    const after = index.search(query, 11, -Infinity).filter((m) => m.id !== 'id-99').slice(0, 10);
    expect(after.map((m) => m.id)).toEqual(before.map((m) => m.id));
    after.forEach((m, i) => expect(m.score).toBeCloseTo(before[i]!.score, 5));
  });

  test('builds in slices that yield to the event loop', async () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 200, buildSliceMs: 0 });
    index.upsertMany(entriesOf(randomUnitVectors(200, DIMS, 31)));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    await index.whenSettled();
    clearInterval(ticker);
    expect(index.kind).toBe('hnsw');
    expect(ticks).toBeGreaterThan(1);
  });

  test('changes made during the build are all in the graph after the switch', async () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 100, buildSliceMs: 0 });
    const vectors = randomUnitVectors(130, DIMS, 32);
    index.upsertMany(entriesOf(vectors.slice(0, 100)));
    expect(index.building).toBe(true);
    // Let the build get part of the way, then change things behind it and ahead of it.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    index.upsert('id-0', vectors[100]!); // replaced (already in the graph)
    index.upsert('id-99', vectors[101]!); // replaced (not yet in the graph)
    expect(index.remove('id-1')).toBe(true);
    expect(index.remove('id-98')).toBe(true);
    index.upsertMany(entriesOf(vectors.slice(110, 130), 'late'));
    await index.whenSettled();
    expect(index.kind).toBe('hnsw');
    expect(index.size).toBe(100 - 2 + 20);
    expect(index.search(vectors[100]!, 1, 0.999)[0]?.id).toBe('id-0');
    expect(index.search(vectors[101]!, 1, 0.999)[0]?.id).toBe('id-99');
    expect(index.search(vectors[0]!, 1, 0.999)).toEqual([]);
    expect(index.has('id-1') || index.has('id-98')).toBe(false);
    expect(index.search(vectors[125]!, 1, 0.999)[0]?.id).toBe('late-15');
  });

  test('replacing an existing id at the threshold does not count as growth', () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 10 });
    const vectors = randomUnitVectors(10, DIMS, 23);
    vectors.slice(0, 9).forEach((v, i) => index.upsert(`id-${i}`, v));
    index.upsert('id-0', vectors[9]!);
    expect(index.kind).toBe('flat');
    expect(index.building).toBe(false);
    expect(index.size).toBe(9);
  });

  test('builds HNSW from a bulk load that crosses the threshold, later duplicates winning', async () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 50 });
    const vectors = randomUnitVectors(81, DIMS, 24);
    index.upsertMany(entriesOf(vectors.slice(0, 30)));
    index.upsertMany([...entriesOf(vectors.slice(30, 80), 'bulk'), { id: 'id-0', vector: vectors[80]! }]);
    await index.whenSettled();
    expect(index.kind).toBe('hnsw');
    expect(index.size).toBe(80);
    expect(index.search(vectors[80]!, 1, 0.999)[0]?.id).toBe('id-0');
    expect(index.search(vectors[45]!, 1, 0.999)[0]?.id).toBe('bulk-15');
  });

  test('stays HNSW after removals take it back below the threshold', async () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 20 });
    const vectors = randomUnitVectors(30, DIMS, 25);
    index.upsertMany(entriesOf(vectors));
    await index.whenSettled();
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
    expect(index.building).toBe(false);
    expect(index.size).toBe(5);
    expect(index.search(vectors[3]!, 1, 0.999)[0]?.id).toBe('id-3');
  });

  test('clear starts over as a flat index, abandoning a running build', async () => {
    const index = new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 5, buildSliceMs: 0 });
    index.upsertMany(entriesOf(randomUnitVectors(6, DIMS, 27)));
    expect(index.building).toBe(true);
    const running = index.whenSettled();
    index.clear();
    expect(index.kind).toBe('flat');
    expect(index.size).toBe(0);
    await running;
    expect(index.kind).toBe('flat');

    index.upsertMany(entriesOf(randomUnitVectors(6, DIMS, 28)));
    await index.whenSettled();
    expect(index.kind).toBe('hnsw');
    index.clear();
    expect(index.kind).toBe('flat');
  });

  test('defaults to the measured threshold and rejects a threshold below 1', () => {
    expect(new AdaptiveIndex({ dimensions: DIMS }).hnswThreshold).toBe(DEFAULT_HNSW_THRESHOLD);
    expect(() => new AdaptiveIndex({ dimensions: DIMS, hnswThreshold: 0 })).toThrow(RangeError);
  });
});
