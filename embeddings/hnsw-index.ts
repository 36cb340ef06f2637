/**
 * Approximate VectorIndex over usearch's HNSW graph (native, prebuilt binaries; loads and runs under Bun 1.4).
 *
 * HNSW: Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable
 * Small World graphs", IEEE TPAMI 2020 (arXiv:1603.09320). usearch: github.com/unum-cloud/usearch, v2.26.2.
 *
 * Parameters (defaults measured on 512-dim unit vectors with bench-vector-index.ts on a 2-core VM):
 * - `connectivity` (M, edges per node; 2M on the base layer) = 32. The paper recommends M in 12–48, larger for
 *   high-dimensional data and high recall. On 5,000 uniformly random 512-dim vectors (the hardest case: no cluster
 *   structure) usearch's default of 16 reached recall@10 0.92 at ef 256, M = 32 reached 0.99; cost ~256 B/node.
 * - `expansionAdd` (efConstruction) = 128, usearch's default. 64 built ~20% faster for recall@10 0.985 vs 0.991;
 *   build time matters because indexes are rebuilt at start-up (100,000 × 512 took minutes here: see the bench).
 * - `expansionSearch` (ef) = 256: the candidate list of a query, the recall/latency dial (usearch widens it to k
 *   when k is larger). At M = 32 on 5,000 random vectors: ef 128 → recall@10 0.92, 256 → 0.99; it falls with n on
 *   random data (0.94 at 10,000, 0.40 at 100,000), while paraphrase-shaped lookups (a query at cosine 0.9 to a
 *   stored vector) stay at recall 1.0 at every size measured, and do so even at ef 64, which answers ~5× faster.
 *   256 is the safe default; lower it only after measuring recall on real embeddings.
 * - `metric` = `ip`: vectors are unit length by contract, so inner product is the cosine and the scores agree with
 *   FlatIndex's dot products (an AdaptiveIndex switching from flat to HNSW does not move scores around a threshold).
 *   `cos` re-normalises every pair, which only helps with vectors this index rejects anyway.
 * - `threads` = 1: the thread count for bulk inserts. It is passed to *every* native call, because usearch sizes
 *   its pool of per-thread scratch contexts at the last capacity growth with the thread count of the call that
 *   caused it (`try_reserve` in index_dense.hpp); a later call with more threads than that can fail with
 *   "Reserve capacity ahead of insertions!". A single add or query never spawns threads whatever the value.
 *   Why 1: a single-threaded build is deterministic; parallel inserts race on a half-built graph and, on this busy
 *   VM, 2 threads gave a worse graph now and then (recall@10 0.94–0.97 instead of 1.0 on 1,000 × 512 random
 *   vectors, in about 1 build of 25). Raise it for start-up rebuilds if build time matters more than that.
 *
 * Ids: usearch keys are 64-bit integers, cache ids are UUID strings, so each id gets a numeric key from a counter
 * (kept for the id's lifetime) and two maps translate. Capacity: the binding reserves on `add` when size + new
 * would reach capacity, to the next power of two (`CompiledIndex::Add` in javascript/lib.cpp), i.e. it grows by
 * doubling; its JS API exposes no separate `reserve`. Removal: usearch marks the node free; the graph keeps it as a
 * waypoint that searches skip, and the next insert reuses its slot, so memory tracks the peak size, not the
 * current one, until `clear()`.
 *
 * The native module is loaded on first construction, not at import: importing this file does no I/O, and a
 * machine where the binary cannot load fails only if it actually needs an HNSW index.
 */
import type { Index as UsearchIndex } from 'usearch';
import {
  assertSearchBounds,
  assertUnitVector,
  compareMatches,
  idBytes,
  type VectorEntry,
  type VectorIndex,
  type VectorMatch,
} from './vector-index.ts';

export interface HnswParameters {
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  metric?: 'ip' | 'cos';
  threads?: number;
}

export interface HnswIndexOptions extends HnswParameters {
  dimensions: number;
}

export const HNSW_DEFAULTS = Object.freeze({
  connectivity: 32,
  expansionAdd: 128,
  expansionSearch: 256,
  metric: 'ip',
  threads: 1,
} as const satisfies Required<HnswParameters>);

/** Entries per native bulk add: bounds the temporary key/vector copies (4,096 × 512 × 4 B = 8 MiB). */
const BULK_CHUNK = 4096;

type UsearchModule = typeof import('usearch');
let usearchModule: UsearchModule | undefined;
function loadUsearch(): UsearchModule {
  usearchModule ??= require('usearch') as UsearchModule;
  return usearchModule;
}

export class HnswIndex implements VectorIndex {
  readonly dimensions: number;
  readonly parameters: Readonly<Required<HnswParameters>>;
  #native: UsearchIndex;
  #keyOf = new Map<string, number>();
  #idOf = new Map<number, string>();
  #nextKey = 0;
  /** Graph nodes ever allocated since the last clear, and how many of them are free for reuse. */
  #nodes = 0;
  #freeNodes = 0;
  #idsBytes = 0;

  constructor(options: HnswIndexOptions) {
    const { dimensions, ...rest } = options;
    if (!Number.isInteger(dimensions) || dimensions <= 0) {
      throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
    }
    const parameters = { ...HNSW_DEFAULTS, ...withoutUndefined(rest) };
    for (const name of ['connectivity', 'expansionAdd', 'expansionSearch', 'threads'] as const) {
      if (!Number.isInteger(parameters[name]) || parameters[name] < 1) {
        throw new RangeError(`${name} must be a positive integer, got ${parameters[name]}`);
      }
    }
    if (parameters.metric !== 'ip' && parameters.metric !== 'cos') {
      throw new RangeError(`metric must be 'ip' or 'cos', got ${String(parameters.metric)}`);
    }
    this.dimensions = dimensions;
    this.parameters = Object.freeze(parameters);
    this.#native = this.#createNative();
  }

  get size(): number {
    return this.#keyOf.size;
  }

  has(id: string): boolean {
    return this.#keyOf.has(id);
  }

  upsert(id: string, vector: Float32Array): void {
    assertUnitVector(vector, this.dimensions, `vector for ${id}`);
    const key = this.#detach(id) ?? this.#nextKey++;
    this.#add([id], [key], vector);
  }

  upsertMany(entries: readonly VectorEntry[]): void {
    for (const { id, vector } of entries) assertUnitVector(vector, this.dimensions, `vector for ${id}`);
    // Last write wins, as with upsert in a loop; the native bulk add rejects duplicate keys within a batch.
    const latest = new Map<string, Float32Array>();
    for (const { id, vector } of entries) latest.set(id, vector);
    const ids = [...latest.keys()];
    const keys = ids.map((id) => this.#detach(id) ?? this.#nextKey++);
    const d = this.dimensions;
    for (let start = 0; start < ids.length; start += BULK_CHUNK) {
      const end = Math.min(ids.length, start + BULK_CHUNK);
      const slab = new Float32Array((end - start) * d);
      for (let i = start; i < end; i++) slab.set(latest.get(ids[i]!)!, (i - start) * d);
      this.#add(ids.slice(start, end), keys.slice(start, end), slab);
    }
  }

  remove(id: string): boolean {
    return this.#detach(id) !== undefined;
  }

  search(query: Float32Array, k: number, minScore: number): VectorMatch[] {
    assertUnitVector(query, this.dimensions, 'query');
    assertSearchBounds(k, minScore);
    const limit = Math.min(k, this.size);
    // An empty usearch index has reserved no search contexts; nothing to find anyway.
    if (limit === 0) return [];
    // Fetch the walk's whole candidate list (usearch keeps max(ef, k) candidates either way, so this costs copying,
    // not graph work): usearch orders ties arbitrarily, and only with every tied candidate at hand can the k-th
    // place go to the smallest id, as the contract asks.
    const fetch = Math.min(this.size, Math.max(k, this.parameters.expansionSearch));
    const { keys, distances } = this.#native.search(query, fetch, this.parameters.threads);
    const matches: VectorMatch[] = [];
    for (let i = 0; i < keys.length; i++) {
      // usearch distances for ip and cos are 1 − similarity; results come nearest first.
      const score = 1 - distances[i]!;
      if (!(score >= minScore)) break;
      if (matches.length >= limit && score < matches[limit - 1]!.score) break;
      const id = this.#idOf.get(Number(keys[i]));
      if (id !== undefined) matches.push({ id, score });
    }
    matches.sort(compareMatches);
    if (matches.length > limit) matches.length = limit;
    return matches;
  }

  clear(): void {
    this.#native = this.#createNative();
    this.#keyOf = new Map();
    this.#idOf = new Map();
    this.#nodes = 0;
    this.#freeNodes = 0;
    this.#idsBytes = 0;
  }

  /**
   * Estimate from usearch's layout (index.hpp, index_dense.hpp): per node a key (8 B), a level (2 B), a base-layer
   * neighbour list (4 B count + 2M × 4 B slots) and on average 1/(M−1) upper layers of (4 + M × 4) B, since a node
   * reaches layer l with probability M^−l, rounded up to the tape's 64-byte alignment; plus the vector (4·d B); per
   * reserved slot ~32 B of lookup tables (vector pointer, node pointer, key→slot hash); a fixed ~64 KiB per index
   * (per-thread search contexts; a 10-vector index grew RSS by ~80 KiB more than a flat one); plus the JS id maps.
   * Checked against the RSS that `clear()` frees at 5,000 and 20,000 × 512 dims: 11–15% low.
   */
  memoryBytes(): number {
    const m = this.parameters.connectivity;
    const graphBytes = 8 + 2 + (4 + 8 * m) + (4 + 4 * m) / (m - 1);
    const perNode = Math.ceil(graphBytes / 64) * 64 + 4 * this.dimensions;
    const perSlot = 32;
    const fixed = 64 * 1024;
    const idMaps = this.#idsBytes + 48 * this.size;
    return Math.round(fixed + this.#nodes * perNode + this.#native.capacity() * perSlot + idMaps);
  }

  #createNative(): UsearchIndex {
    const { Index, MetricKind, ScalarKind } = loadUsearch();
    const p = this.parameters;
    return new Index({
      dimensions: this.dimensions,
      metric: p.metric === 'ip' ? MetricKind.IP : MetricKind.Cos,
      quantization: ScalarKind.F32,
      connectivity: p.connectivity,
      expansion_add: p.expansionAdd,
      expansion_search: p.expansionSearch,
      multi: false,
    });
  }

  /** Removes `id` from the graph and the maps; returns its key (for reuse) or undefined when absent. */
  #detach(id: string): number | undefined {
    const key = this.#keyOf.get(id);
    if (key === undefined) return undefined;
    this.#native.remove(BigInt(key));
    this.#keyOf.delete(id);
    this.#idOf.delete(key);
    this.#idsBytes -= idBytes(id);
    this.#freeNodes++;
    return key;
  }

  #add(ids: readonly string[], keys: readonly number[], vectors: Float32Array): void {
    const nativeKeys = BigUint64Array.from(keys, BigInt);
    try {
      this.#native.add(nativeKeys, vectors, this.parameters.threads);
    } catch (error) {
      // A native failure (out of memory) can strike mid-batch: take the batch out again so these ids end up absent
      // rather than half-indexed under keys the maps do not know.
      this.#native.remove(nativeKeys);
      throw error;
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      this.#keyOf.set(id, keys[i]!);
      this.#idOf.set(keys[i]!, id);
      this.#idsBytes += idBytes(id);
    }
    const reused = Math.min(this.#freeNodes, ids.length);
    this.#freeNodes -= reused;
    this.#nodes += ids.length - reused;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
