/**
 * The VectorIndex port: nearest-neighbour search over unit-length embeddings, keyed by cache entry id.
 *
 * Contract (every adapter; `vector-index.contract.test.ts` checks it against each of them):
 * - An index holds vectors of exactly `dimensions` floats. `upsert`, `upsertMany` and `search` throw a
 *   `RangeError` naming both lengths when a vector has another length (a sign that vectors of two models are being
 *   mixed), and a `RangeError` when a vector is not unit length (|‖v‖² − 1| > `UNIT_NORM_TOLERANCE`) or holds a
 *   NaN or an infinity (anything but a Float32Array is a `TypeError`). A rejected call changes nothing.
 * - Vectors are unit length, so a score is the cosine similarity *and* the dot product, in [-1, 1]. Adapters may
 *   compute it in float32 (differences around 1e-6 from an exact float64 dot product).
 * - `upsert(id, vector)` inserts or replaces: after it, `has(id)` is true and the index holds exactly one vector for
 *   `id`. The index copies the vector (a view into a larger buffer is fine); the caller may reuse its array.
 *   `upsertMany` is `upsert` for each entry in order (a later duplicate id wins), done in one go, so bulk loads
 *   (start-up rebuild from Postgres) are cheap.
 * - `remove(id)` returns true when `id` was present; removing an unknown id is a no-op that returns false.
 * - `search(query, k, minScore)` returns at most `k` matches with `score >= minScore`, best first: by score
 *   descending, ties by id ascending (UTF-16 code-unit order), so equal inputs always give equal outputs. `k = 0`
 *   or an empty index gives `[]`: a miss is an empty array, never an error. `k` must be a non-negative integer and
 *   `minScore` a number (use `-Infinity` for no floor), else `RangeError`.
 * - Exact adapters return the true top `k`. Approximate adapters (HNSW) may miss true neighbours; their recall
 *   against exact search is measured in `bench-vector-index.ts`, not promised here. They never return an id that
 *   is not in the index, a score they did not compute, or an order other than the one above.
 * - `size` counts ids; `clear()` empties the index and releases what it can. `memoryBytes()` is an estimate of
 *   the bytes held (vectors, graph, id maps), for metrics and capacity planning, not an exact figure.
 * - Calls are synchronous and CPU-bound: a large search belongs off the event loop (see ARCHITECTURE.md).
 */
export interface VectorIndex {
  readonly dimensions: number;
  readonly size: number;
  upsert(id: string, vector: Float32Array): void;
  upsertMany(entries: readonly VectorEntry[]): void;
  remove(id: string): boolean;
  has(id: string): boolean;
  search(query: Float32Array, k: number, minScore: number): VectorMatch[];
  clear(): void;
  memoryBytes(): number;
}

export interface VectorEntry {
  readonly id: string;
  readonly vector: Float32Array;
}

export interface VectorMatch {
  readonly id: string;
  /** Cosine similarity of the query and the stored vector (their dot product), higher is closer. */
  readonly score: number;
}

/**
 * How far ‖v‖² may stray from 1. Embedders normalise in float32 (error around 1e-7 per component, ~1e-6 on the
 * squared norm at 512 dims), so 1e-3 accepts every honest vector and still catches an unnormalised one, whose
 * scores would not be cosines.
 */
export const UNIT_NORM_TOLERANCE = 1e-3;

/** Throws a `RangeError` unless `vector` has `dimensions` finite floats and unit length. */
export function assertUnitVector(vector: Float32Array, dimensions: number, what: string): void {
  if (!(vector instanceof Float32Array)) throw new TypeError(`${what} must be a Float32Array`);
  if (vector.length !== dimensions) {
    throw new RangeError(
      `${what} has ${vector.length} dimensions but this index holds ${dimensions}-dimensional vectors`,
    );
  }
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i++) sumOfSquares += vector[i]! * vector[i]!;
  // Written so that a NaN (from a NaN or infinite component) fails the check too.
  if (!(Math.abs(sumOfSquares - 1) <= UNIT_NORM_TOLERANCE)) {
    throw new RangeError(`${what} is not a finite unit vector (squared norm ${sumOfSquares}); normalise it first`);
  }
}

/** Throws a `RangeError` unless `k` is a non-negative integer and `minScore` is a number. */
export function assertSearchBounds(k: number, minScore: number): void {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  if (typeof minScore !== 'number' || Number.isNaN(minScore)) {
    throw new RangeError(`minScore must be a number (use -Infinity for no floor), got ${minScore}`);
  }
}

/** The contract's result order: score descending, then id ascending. Negative when `a` ranks before `b`. */
export function compareMatches(a: VectorMatch, b: VectorMatch): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Rough heap cost of a JS string id plus one Map entry pointing at it (V8/JSC-like layouts; an estimate). */
export function idBytes(id: string): number {
  return 2 * id.length + 64;
}
