/**
 * The VectorIndex contract (vector-index.ts), run against every adapter.
 */
import { describe, expect, test } from 'bun:test';
import { AdaptiveIndex } from './adaptive-index.ts';
import { FlatIndex } from './flat-index.ts';
import { HnswIndex } from './hnsw-index.ts';
import { randomUnitVector, randomUnitVectors, seededRandom, unitVectorAtCosine } from './random-unit-vectors.ts';
import type { VectorIndex } from './vector-index.ts';

const DIMS = 32;
const adapters: [string, (dimensions: number) => VectorIndex][] = [
  ['FlatIndex', (dimensions) => new FlatIndex({ dimensions, initialCapacity: 4 })],
  ['HnswIndex', (dimensions) => new HnswIndex({ dimensions })],
  ['AdaptiveIndex (crosses to HNSW at 50)', (dimensions) => new AdaptiveIndex({ dimensions, hnswThreshold: 50 })],
  ['AdaptiveIndex (HNSW from the first entry)', (dimensions) => new AdaptiveIndex({ dimensions, hnswThreshold: 1 })],
];

const random = seededRandom(42);
const unit = () => randomUnitVector(DIMS, random);
const ids = (matches: { id: string }[]) => matches.map((m) => m.id);

describe.each(adapters)('%s', (_name, make) => {
  test('reports its dimensions and starts empty', () => {
    const index = make(DIMS);
    expect(index.dimensions).toBe(DIMS);
    expect(index.size).toBe(0);
    expect(index.has('a')).toBe(false);
  });

  test('answers a search on an empty index with no matches', () => {
    expect(make(DIMS).search(unit(), 5, -Infinity)).toEqual([]);
  });

  test('finds an identical vector as the top match with score 1', () => {
    const index = make(DIMS);
    const target = unit();
    index.upsert('target', target);
    for (let i = 0; i < 20; i++) index.upsert(`other-${i}`, unit());
    const [best] = index.search(target, 1, -Infinity);
    expect(best?.id).toBe('target');
    expect(best?.score).toBeCloseTo(1, 5);
  });

  test('orders matches by score, best first, with scores equal to the cosines', () => {
    const index = make(DIMS);
    const query = unit();
    const cosines = { c30: 0.3, c90: 0.9, c50: 0.5, c70: 0.7 };
    for (const [id, cosine] of Object.entries(cosines)) index.upsert(id, unitVectorAtCosine(query, cosine, random));
    const matches = index.search(query, 10, -Infinity);
    expect(ids(matches)).toEqual(['c90', 'c70', 'c50', 'c30']);
    for (const m of matches) expect(m.score).toBeCloseTo(cosines[m.id as keyof typeof cosines], 4);
  });

  test('returns only matches whose score is at least minScore', () => {
    const index = make(DIMS);
    const query = unit();
    index.upsert('near', unitVectorAtCosine(query, 0.95, random));
    index.upsert('edge', unitVectorAtCosine(query, 0.86, random));
    index.upsert('far', unitVectorAtCosine(query, 0.6, random));
    expect(ids(index.search(query, 10, 0.85))).toEqual(['near', 'edge']);
    expect(ids(index.search(query, 10, 0.9))).toEqual(['near']);
    expect(index.search(query, 10, 0.99)).toEqual([]);
  });

  test('returns at most k matches, and none for k = 0', () => {
    const index = make(DIMS);
    const query = unit();
    for (let i = 0; i < 10; i++) index.upsert(`v${i}`, unitVectorAtCosine(query, 0.5 + i * 0.04, random));
    expect(ids(index.search(query, 3, -Infinity))).toEqual(['v9', 'v8', 'v7']);
    expect(index.search(query, 0, -Infinity)).toEqual([]);
    expect(index.search(query, 100, -Infinity)).toHaveLength(10);
  });

  test('breaks score ties by id, ascending', () => {
    const index = make(DIMS);
    const shared = unit();
    for (const id of ['m', 'c', 'x', 'a']) index.upsert(id, shared);
    expect(ids(index.search(shared, 10, -Infinity))).toEqual(['a', 'c', 'm', 'x']);
    expect(ids(index.search(shared, 2, -Infinity))).toEqual(['a', 'c']);
  });

  test('replaces the vector of an id that is upserted again', () => {
    const index = make(DIMS);
    const before = unit();
    const after = unit();
    index.upsert('a', before);
    index.upsert('b', unit());
    index.upsert('a', after);
    expect(index.size).toBe(2);
    expect(index.search(after, 1, -Infinity)[0]).toMatchObject({ id: 'a' });
    expect(index.search(before, 2, 0.99)).toEqual([]);
  });

  test('copies vectors, so the caller may reuse its array', () => {
    const index = make(DIMS);
    const buffer = unit();
    const stored = buffer.slice();
    index.upsert('a', buffer);
    buffer.set(unit());
    expect(index.search(stored, 1, 0.99)[0]?.id).toBe('a');
  });

  test('accepts vectors and queries that are views into a larger buffer', () => {
    const index = make(DIMS);
    const vectors = [unit(), unit(), unit()];
    const buffer = new Float32Array(3 * DIMS);
    vectors.forEach((v, i) => buffer.set(v, i * DIMS));
    vectors.forEach((_, i) => index.upsert(`v${i}`, buffer.subarray(i * DIMS, (i + 1) * DIMS)));
    for (let i = 0; i < 3; i++) {
      expect(index.search(buffer.subarray(i * DIMS, (i + 1) * DIMS), 1, 0.99)[0]?.id).toBe(`v${i}`);
    }
  });

  test('removes an id, reports whether it was there, and never returns it again', () => {
    const index = make(DIMS);
    const v = unit();
    index.upsert('a', v);
    index.upsert('b', unitVectorAtCosine(v, 0.9, random));
    expect(index.remove('a')).toBe(true);
    expect(index.remove('a')).toBe(false);
    expect(index.remove('never')).toBe(false);
    expect(index.has('a')).toBe(false);
    expect(index.size).toBe(1);
    expect(ids(index.search(v, 10, -Infinity))).toEqual(['b']);
  });

  test('accepts an id again after it was removed', () => {
    const index = make(DIMS);
    const v = unit();
    index.upsert('a', unit());
    index.remove('a');
    index.upsert('a', v);
    expect(index.size).toBe(1);
    expect(index.search(v, 1, 0.99)[0]?.id).toBe('a');
  });

  test('rejects a vector or query of the wrong dimensions with an error naming both, changing nothing', () => {
    const index = make(DIMS);
    index.upsert('a', unit());
    const wrong = randomUnitVector(DIMS * 2, random);
    expect(() => index.upsert('b', wrong)).toThrow(`has ${DIMS * 2} dimensions but this index holds ${DIMS}`);
    expect(() => index.search(wrong, 1, -Infinity)).toThrow(RangeError);
    expect(() => index.upsertMany([{ id: 'c', vector: unit() }, { id: 'd', vector: wrong }])).toThrow(RangeError);
    expect(index.size).toBe(1);
    expect(index.has('b') || index.has('c') || index.has('d')).toBe(false);
  });

  test('rejects vectors that are not unit length or not finite', () => {
    const index = make(DIMS);
    const long = unit().map((x) => x * 2);
    const nan = unit();
    nan[3] = Number.NaN;
    expect(() => index.upsert('a', long)).toThrow('not a finite unit vector');
    expect(() => index.upsert('a', nan)).toThrow('not a finite unit vector');
    expect(() => index.search(new Float32Array(DIMS), 1, -Infinity)).toThrow('not a finite unit vector');
    expect(index.size).toBe(0);
  });

  test('rejects a negative or fractional k and a NaN minScore', () => {
    const index = make(DIMS);
    expect(() => index.search(unit(), -1, 0)).toThrow(RangeError);
    expect(() => index.search(unit(), 1.5, 0)).toThrow(RangeError);
    expect(() => index.search(unit(), 1, Number.NaN)).toThrow(RangeError);
  });

  test('bulk-loads entries in one go, a later duplicate id winning', () => {
    const index = make(DIMS);
    const first = unit();
    const last = unit();
    index.upsert('kept', unit());
    index.upsertMany([
      { id: 'dup', vector: first },
      { id: 'x', vector: unit() },
      { id: 'dup', vector: last },
    ]);
    expect(index.size).toBe(3);
    expect(index.search(last, 1, 0.99)[0]?.id).toBe('dup');
    expect(index.search(first, 3, 0.99)).toEqual([]);
  });

  test('keeps many ids apart: each vector finds its own id first', () => {
    const index = make(DIMS);
    const vectors = randomUnitVectors(1500, DIMS, 7);
    vectors.forEach((vector, i) => index.upsert(`id-${i}`, vector));
    expect(index.size).toBe(1500);
    for (let i = 0; i < vectors.length; i += 37) {
      const [best] = index.search(vectors[i]!, 1, -Infinity);
      expect(best?.id).toBe(`id-${i}`);
    }
  });

  test('clear empties the index and it stays usable', () => {
    const index = make(DIMS);
    for (let i = 0; i < 60; i++) index.upsert(`id-${i}`, unit());
    index.clear();
    expect(index.size).toBe(0);
    expect(index.has('id-1')).toBe(false);
    expect(index.search(unit(), 5, -Infinity)).toEqual([]);
    const v = unit();
    index.upsert('again', v);
    expect(index.search(v, 1, 0.99)[0]?.id).toBe('again');
  });

  test('estimates memory that grows with the entries and covers the raw vectors', () => {
    const index = make(DIMS);
    const empty = index.memoryBytes();
    for (let i = 0; i < 200; i++) index.upsert(`id-${i}`, unit());
    expect(index.memoryBytes()).toBeGreaterThan(empty);
    expect(index.memoryBytes()).toBeGreaterThanOrEqual(200 * DIMS * 4);
  });
});
