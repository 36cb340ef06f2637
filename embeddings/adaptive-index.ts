/**
 * VectorIndex that is exact while small and approximate once large: it starts as a FlatIndex and, once `size`
 * reaches `hnswThreshold`, builds an HnswIndex from its entries **in the background** and switches to it when the
 * build is complete.
 *
 * Why switch at all: a linear scan costs O(n·d) per query, an HNSW query roughly O(log n · M · d); below a few
 * thousand vectors the scan is nearly as fast and exact, above it the graph wins by a factor that grows with n (figures
 * in bench-vector-index.ts, which the default threshold comes from).
 *
 * Why in the background: inserting into the graph is synchronous native work (2–4 s for 4,096 × 512 on one busy
 * core here, minutes for 100,000 at start-up), and a gateway that stops its event loop that long misses health
 * probes and stalls every request. The build inserts for at most `buildSliceMs` at a time and then yields to the
 * event loop. Until it is done the flat index keeps serving (exact, just slower per query) and takes every change;
 * changes made during the build are replayed into the graph before the switch, which happens synchronously, so no
 * change is lost between the last replay and the swap. A build that fails leaves the flat index serving (and is
 * not retried until `clear()`); `clear()` abandons a running build.
 *
 * One way only: once HNSW, it stays HNSW even if entries are removed. Going back would mean a rebuild that buys
 * nothing a graph of that size lacks, and a partition that once grew large tends to grow again; a size that
 * oscillates around the threshold must not rebuild on every crossing. `clear()` starts over as flat.
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
 * The build costs 2–4 s of CPU for 4,096 × 512 on one busy core here, spread over slices. Both costs scale about
 * linearly with `dimensions`, so the crossover in entries is about the same at 384 (MiniLM; measured ~1.5–1.7× at
 * 2–4k).
 */
export const DEFAULT_HNSW_THRESHOLD = 4096;

/** Longest stretch of graph inserts before the build yields to the event loop. */
export const DEFAULT_BUILD_SLICE_MS = 8;

export interface AdaptiveIndexOptions {
  dimensions: number;
  /** Entries at which search switches to HNSW (default `DEFAULT_HNSW_THRESHOLD`). */
  hnswThreshold?: number;
  hnsw?: HnswParameters;
  /** Longest synchronous stretch of the background build, ms (default `DEFAULT_BUILD_SLICE_MS`; 0 = one insert). */
  buildSliceMs?: number;
}

interface Build {
  hnsw: HnswIndex;
  /** Ids changed in the flat index since the build started, replayed into the graph before the switch. */
  dirty: Set<string>;
  done: Promise<void>;
}

/** Yields to the event loop without keeping the process alive for the build alone. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0).unref?.());

export class AdaptiveIndex implements VectorIndex {
  readonly dimensions: number;
  readonly hnswThreshold: number;
  readonly #hnswParameters: HnswParameters;
  readonly #buildSliceMs: number;
  #inner: FlatIndex | HnswIndex;
  #build: Build | undefined;
  #buildFailed = false;

  constructor(options: AdaptiveIndexOptions) {
    const { dimensions, hnswThreshold = DEFAULT_HNSW_THRESHOLD, hnsw = {}, buildSliceMs = DEFAULT_BUILD_SLICE_MS } = options;
    if (!Number.isInteger(hnswThreshold) || hnswThreshold < 1) {
      throw new RangeError(`hnswThreshold must be a positive integer, got ${hnswThreshold}`);
    }
    this.#inner = new FlatIndex({ dimensions });
    this.dimensions = dimensions;
    this.hnswThreshold = hnswThreshold;
    this.#hnswParameters = { ...hnsw };
    this.#buildSliceMs = Math.max(0, buildSliceMs);
  }

  /** Which structure answers searches now: for logs and metrics. */
  get kind(): 'flat' | 'hnsw' {
    return this.#inner instanceof FlatIndex ? 'flat' : 'hnsw';
  }

  /** Whether a graph is being built in the background (searches are answered by the flat index meanwhile). */
  get building(): boolean {
    return this.#build !== undefined;
  }

  /** Resolves when no build is running (at once when none is). For tests and start-up reports. */
  whenSettled(): Promise<void> {
    return this.#build?.done ?? Promise.resolve();
  }

  get size(): number {
    return this.#inner.size;
  }

  has(id: string): boolean {
    return this.#inner.has(id);
  }

  upsert(id: string, vector: Float32Array): void {
    this.#inner.upsert(id, vector);
    this.#build?.dirty.add(id);
    this.#maybeStartBuild();
  }

  upsertMany(entries: readonly VectorEntry[]): void {
    // Both indexes validate every entry before changing anything, so a rejected batch changes nothing.
    this.#inner.upsertMany(entries);
    if (this.#build) for (const { id } of entries) this.#build.dirty.add(id);
    this.#maybeStartBuild();
  }

  remove(id: string): boolean {
    const removed = this.#inner.remove(id);
    if (removed) this.#build?.dirty.add(id);
    return removed;
  }

  search(query: Float32Array, k: number, minScore: number): VectorMatch[] {
    return this.#inner.search(query, k, minScore);
  }

  clear(): void {
    this.#build = undefined;
    this.#buildFailed = false;
    this.#inner = new FlatIndex({ dimensions: this.dimensions });
  }

  memoryBytes(): number {
    return this.#inner.memoryBytes() + (this.#build?.hnsw.memoryBytes() ?? 0);
  }

  #maybeStartBuild(): void {
    const flat = this.#inner;
    if (!(flat instanceof FlatIndex) || this.#build || this.#buildFailed || flat.size < this.hnswThreshold) return;
    let hnsw: HnswIndex;
    try {
      hnsw = new HnswIndex({ ...this.#hnswParameters, dimensions: this.dimensions });
    } catch {
      // The native module cannot load here: stay exact, and do not try again on every insert.
      this.#buildFailed = true;
      return;
    }
    const build: Build = { hnsw, dirty: new Set(), done: Promise.resolve() };
    this.#build = build;
    build.done = this.#runBuild(flat, build).catch(() => {
      if (this.#build !== build) return;
      this.#build = undefined;
      this.#buildFailed = true;
    });
  }

  async #runBuild(flat: FlatIndex, build: Build): Promise<void> {
    // Start on the next turn: the call that crossed the threshold returns at once.
    await yieldToEventLoop();
    let pending = flat.ids();
    for (;;) {
      let i = 0;
      while (i < pending.length) {
        const sliceStart = performance.now();
        do {
          const id = pending[i++]!;
          // The flat index holds the current vector (or none, if removed meanwhile: the graph never had it, or
          // `dirty` will remove it).
          const vector = flat.vectorOf(id);
          if (vector) build.hnsw.upsert(id, vector);
          else build.hnsw.remove(id);
        } while (i < pending.length && performance.now() - sliceStart < this.#buildSliceMs);
        await yieldToEventLoop();
        if (this.#build !== build) return; // abandoned by clear()
      }
      if (build.dirty.size === 0) break;
      // Replay what changed while we were inserting; repeat until a pass ends with nothing new.
      pending = [...build.dirty];
      build.dirty.clear();
    }
    // Synchronous from the last check to here: nothing can change the flat index in between.
    this.#inner = build.hnsw;
    this.#build = undefined;
  }
}
