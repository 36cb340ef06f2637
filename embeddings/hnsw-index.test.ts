import { describe, expect, test } from 'bun:test';
import { FlatIndex } from './flat-index.ts';
import { HNSW_DEFAULTS, HnswIndex } from './hnsw-index.ts';
import { randomUnitVectors, seededRandom, unitVectorAtCosine } from './random-unit-vectors.ts';

describe('HnswIndex', () => {
  test('reaches recall@10 of at least 0.95 against exact search on 5,000 random 512-dim vectors by default', () => {
    // Uniformly random directions are the hard case for HNSW (no structure, all neighbours nearly equidistant);
    // real embeddings cluster and do better.
    const dimensions = 512;
    const data = randomUnitVectors(5000, dimensions, 1);
    const queries = randomUnitVectors(100, dimensions, 2);
    // Default parameters, one build thread: deterministic, so the measured recall (0.99) is the same every run.
    const hnsw = new HnswIndex({ dimensions });
    const flat = new FlatIndex({ dimensions });
    const entries = data.map((vector, i) => ({ id: `id-${i}`, vector }));
    hnsw.upsertMany(entries);
    flat.upsertMany(entries);

    let found = 0;
    for (const query of queries) {
      const truth = new Set(flat.search(query, 10, -Infinity).map((m) => m.id));
      for (const m of hnsw.search(query, 10, -Infinity)) if (truth.has(m.id)) found++;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  test('finds near duplicates of stored vectors (a paraphrase at cosine 0.9) as the top match', () => {
    const dimensions = 128;
    const data = randomUnitVectors(3000, dimensions, 3);
    const hnsw = new HnswIndex({ dimensions, connectivity: 16, expansionSearch: 64 });
    hnsw.upsertMany(data.map((vector, i) => ({ id: `id-${i}`, vector })));
    const random = seededRandom(4);
    for (let i = 0; i < data.length; i += 30) {
      const [best] = hnsw.search(unitVectorAtCosine(data[i]!, 0.9, random), 1, 0.85);
      expect(best?.id).toBe(`id-${i}`);
    }
  });

  test('after heavy churn (removes, re-upserts, new ids) finds every live id and never a removed one', () => {
    const dimensions = 32;
    const index = new HnswIndex({ dimensions });
    const first = randomUnitVectors(600, dimensions, 5);
    const second = randomUnitVectors(600, dimensions, 6);
    first.forEach((v, i) => index.upsert(`id-${i}`, v));
    for (let i = 0; i < 600; i += 2) index.remove(`id-${i}`);
    for (let i = 1; i < 600; i += 4) index.upsert(`id-${i}`, second[i]!);
    for (let i = 0; i < 200; i++) index.upsert(`new-${i}`, second[i * 2]!);

    expect(index.size).toBe(300 + 200);
    for (let i = 0; i < 600; i++) {
      const live = i % 2 === 1;
      expect(index.has(`id-${i}`)).toBe(live);
      const vector = i % 4 === 1 ? second[i]! : first[i]!;
      const [best] = index.search(vector, 1, 0.999);
      if (live) expect(best?.id).toBe(`id-${i}`);
      else expect(best?.id).not.toBe(`id-${i}`);
    }
  });

  test('bulk-loads with several threads after single inserts grew it with the same thread count', () => {
    // Guards the thread-count rule in hnsw-index.ts: usearch sizes its per-thread contexts at growth.
    const dimensions = 16;
    const index = new HnswIndex({ dimensions, threads: 4 });
    const vectors = randomUnitVectors(3000, dimensions, 8);
    for (let i = 0; i < 9; i++) index.upsert(`single-${i}`, vectors[i]!);
    for (let i = 0; i < 5; i++) index.remove(`single-${i}`);
    index.upsertMany(vectors.slice(9).map((vector, i) => ({ id: `bulk-${i}`, vector })));
    expect(index.size).toBe(4 + 2991);
    // A parallel build races on a half-built graph and now and then leaves a node hard to reach (see
    // hnsw-index.ts, `threads`), so this checks that the bulk-loaded entries are found, not every single one.
    const probes = Array.from({ length: 20 }, (_, j) => 100 + j * 100);
    const found = probes.filter((i) => index.search(vectors[i]!, 1, 0.999)[0]?.id === `bulk-${i - 9}`);
    expect(found.length).toBeGreaterThanOrEqual(18);
  });

  test('uses the documented defaults and rejects nonsense parameters', () => {
    expect(new HnswIndex({ dimensions: 8 }).parameters).toEqual(HNSW_DEFAULTS);
    expect(() => new HnswIndex({ dimensions: 0 })).toThrow(RangeError);
    expect(() => new HnswIndex({ dimensions: 8, connectivity: 0 })).toThrow('connectivity');
    expect(() => new HnswIndex({ dimensions: 8, threads: 1.5 })).toThrow('threads');
    expect(() => new HnswIndex({ dimensions: 8, metric: 'l2' as 'ip' })).toThrow('metric');
  });

  test('scores match FlatIndex dot products to float32 precision, with either metric', () => {
    const dimensions = 64;
    const data = randomUnitVectors(200, dimensions, 9);
    const [query] = randomUnitVectors(1, dimensions, 10);
    const flat = new FlatIndex({ dimensions });
    const entries = data.map((vector, i) => ({ id: `id-${i}`, vector }));
    flat.upsertMany(entries);
    const exact = new Map(flat.search(query!, 200, -Infinity).map((m) => [m.id, m.score]));
    for (const metric of ['ip', 'cos'] as const) {
      const hnsw = new HnswIndex({ dimensions, metric });
      hnsw.upsertMany(entries);
      for (const m of hnsw.search(query!, 20, -Infinity)) expect(m.score).toBeCloseTo(exact.get(m.id)!, 5);
    }
  });
});
