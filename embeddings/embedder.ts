/**
 * The Embedder port: turns texts into unit-length vectors for cosine search.
 *
 * Contract (every adapter; `embedder.contract.test.ts` checks it against each of them):
 * - `embed(texts)` resolves to exactly one `Float32Array` per text, in input order; `embed([])` resolves to `[]`
 *   without touching the model.
 * - Every vector has length `dimensions` and unit L2 norm (within float error), so cosine similarity is a dot
 *   product. A model that produces a zero or non-finite vector is an error, never a silent NaN.
 * - Every vector owns its own ArrayBuffer (byteOffset 0, byteLength = 4 * dimensions): `vector.buffer` is safe to
 *   persist, transfer or hash without dragging a neighbour's data along.
 * - Texts are embedded by a bounded prefix: anything past `MAX_EMBED_INPUT_CHARS` characters is ignored (see
 *   `embeddingPrefix`). Two texts that agree on that prefix get the same vector.
 * - `modelId` names the weights and the pooling, not the runtime: vectors of different `modelId`s must never be
 *   compared (store it with every vector). The same model on another backend (e.g. TF.js wasm vs cpu) keeps its id
 *   because the vectors agree to float precision.
 * - `maxBatchSize` is the largest `texts.length` the adapter is tuned for; larger calls still work (they are
 *   split), it is a hint for micro-batching.
 * - Failures reject with an `EmbedderError` (timeout, overload, closed, model missing, inference failure); a
 *   caller on the request path treats any rejection as a cache MISS, never as a failed request.
 * - Weights load from local disk only; nothing is downloaded at run time.
 * - `close()` releases the model (and a worker, if any); calls after it reject with code `closed`. Idempotent.
 */
export interface Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  /** Where vectors are computed (e.g. `tfjs-wasm`, `onnxruntime-node`), for logs only: not part of identity. */
  readonly runtime?: string;
  embed(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * Only this many leading characters (UTF-16 code units) of a text are embedded.
 *
 * Why 2048: the default ONNX model, all-MiniLM-L6-v2, reads at most 256 word pieces (its model card: "input text
 * longer than 256 word pieces is truncated"), roughly 1,000-1,300 characters of English, so the prefix never cuts
 * what MiniLM would see for ordinary prompts; it bounds tokenizer work and USE lite's cost (linear in tokens, no
 * limit of its own) for huge prompts. Consequence for callers: texts longer than this that share a prefix embed
 * identically, so the cache should not serve semantic hits for them (see `exceedsEmbeddingPrefix`).
 */
export const MAX_EMBED_INPUT_CHARS = 2048;

/** The part of `text` that is embedded: at most `MAX_EMBED_INPUT_CHARS`, never ending in half a surrogate pair. */
export function embeddingPrefix(text: string, maxChars: number = MAX_EMBED_INPUT_CHARS): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const last = cut.charCodeAt(cut.length - 1);
  // A high surrogate at the end would leave a lone half of an astral character (e.g. an emoji).
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** True when only a prefix of `text` is embedded, i.e. its vector does not see the whole text. */
export function exceedsEmbeddingPrefix(text: string, maxChars: number = MAX_EMBED_INPUT_CHARS): boolean {
  return text.length > maxChars;
}

/**
 * Scales `vector` to unit L2 length in place and returns it. Throws on a zero or non-finite vector: dividing
 * would produce NaNs that poison every later comparison.
 */
export function normalizeInPlace(vector: Float32Array): Float32Array {
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i++) sumOfSquares += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sumOfSquares);
  if (!Number.isFinite(norm) || norm === 0) {
    throw new Error(`embedding has ${Number.isFinite(norm) ? 'zero' : 'non-finite'} norm; cannot normalise`);
  }
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}

/** Cosine similarity of two unit vectors (their dot product). Both must have the same length. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`vector lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}
