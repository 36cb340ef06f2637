/**
 * VectorIndex that is exact while small and approximate once large: it starts as a FlatIndex and, as soon as
 * `size` reaches `hnswThreshold`, bulk-loads every entry into an HnswIndex in one go and drops the flat copy.
 *
 * Why switch at all: a linear scan costs O(n·d) per query, an HNSW query roughly O(log n · M · d); below a few
 * thousand vectors the scan is nearly as fast and exact, above it the graph wins by a factor that grows with n (figures
 * in bench-vector-index.ts, which the default threshold comes from).
 *
 * One way only: once HNSW, it stays HNSW even if entries are removed. Going back would mean a rebuild that buys
 * nothing a graph of that size lacks, and a partition that once grew large tends to grow again; a size that
 * oscillates around the threshold must not rebuild on every crossing. `clear()` starts over as flat.
 *
 * The switch happens inside the `upsert`/`upsertMany` call that crosses the threshold, so that call pays the
 * build (one bulk add: seconds for a few thousand 512-dim vectors on a slow core). The new index is complete
 * before it replaces the old one, so a failed build leaves the flat index serving.
 */
import { FlatIndex } from './flat-index.ts';
import { HnswIndex, type HnswParameters } from './hnsw-index.ts';
import { type VectorEntry, type VectorIndex, type VectorMatch } from './vector-index.ts';

/**
 * Default size at which a flat index becomes HNSW. Measured with bench-vector-index.ts at 512 dims (USE lite),
 * default HNSW parameters, one query at a time on a busy 2-core VM: HNSW is no faster than the JS scan up to ~512
 * entries, 1.3–1.5× faster at 1–2k, ~2× at 4–8k (flat ≈ 0.8 ms/query at 4,096) and 3.5–5× at 100k. Below 4,096
 * the scan's ≤ 0.8 ms is small next to embedding a prompt, and flat buys exact results, µs inserts (HNSW: ~1–2 ms
 * at 4k entries here) and no ~80 KiB native overhead per partition; from there on the graph's lead grows with n.
 * The switch costs one bulk build in the crossing call (2–4 s for 4,096 × 512 on one busy core here). Both costs
 * scale about linearly with `dimensions`, so the crossover in entries is about the same at 384 (MiniLM; measured
 * ~1.5–1.7× at 2–4k).
 */
export const DEFAULT_HNSW_THRESHOLD = 4096;

export interface AdaptiveIndexOptions {
  dimensions: number;
  /** Entries at which search switches to HNSW (default `DEFAULT_HNSW_THRESHOLD`). */
  hnswThreshold?: number;
  hnsw?: HnswParameters;
}

export class AdaptiveIndex implements VectorIndex {
  readonly dimensions: number;
  readonly hnswThreshold: number;
  readonly #hnswParameters: HnswParameters;
  #inner: FlatIndex | HnswIndex;

  constructor(options: AdaptiveIndexOptions) {
    const { dimensions, hnswThreshold = DEFAULT_HNSW_THRESHOLD, hnsw = {} } = options;
    if (!Number.isInteger(hnswThreshold) || hnswThreshold < 1) {
      throw new RangeError(`hnswThreshold must be a positive integer, got ${hnswThreshold}`);
    }
    this.#inner = new FlatIndex({ dimensions });
    this.dimensions = dimensions;
    this.hnswThreshold = hnswThreshold;
    this.#hnswParameters = { ...hnsw };
  }

  /** Which structure answers searches now: for logs and metrics. */
  get kind(): 'flat' | 'hnsw' {
    return this.#inner instanceof FlatIndex ? 'flat' : 'hnsw';
  }

  get size(): number {
    return this.#inner.size;
  }

  has(id: string): boolean {
    return this.#inner.has(id);
  }

  upsert(id: string, vector: Float32Array): void {
    const inner = this.#inner;
    if (inner instanceof FlatIndex && !inner.has(id) && inner.size + 1 >= this.hnswThreshold) {
      this.upsertMany([{ id, vector }]);
      return;
    }
    inner.upsert(id, vector);
  }

  upsertMany(entries: readonly VectorEntry[]): void {
    const inner = this.#inner;
    if (inner instanceof HnswIndex) {
      inner.upsertMany(entries);
      return;
    }
    const newIds = new Set<string>();
    for (const { id } of entries) if (!inner.has(id)) newIds.add(id);
    if (inner.size + newIds.size < this.hnswThreshold) {
      inner.upsertMany(entries);
      return;
    }
    // Crossing the threshold: build the graph straight from the flat rows plus the new entries (later ones win),
    // so a large start-up load never materialises in the flat slab first. HnswIndex validates every entry before
    // it changes anything, so a bad vector throws here and the flat index stays.
    const hnsw = new HnswIndex({ ...this.#hnswParameters, dimensions: this.dimensions });
    hnsw.upsertMany([...inner.entries(), ...entries]);
    this.#inner = hnsw;
  }

  remove(id: string): boolean {
    return this.#inner.remove(id);
  }

  search(query: Float32Array, k: number, minScore: number): VectorMatch[] {
    return this.#inner.search(query, k, minScore);
  }

  clear(): void {
    this.#inner = new FlatIndex({ dimensions: this.dimensions });
  }

  memoryBytes(): number {
    return this.#inner.memoryBytes();
  }
}
