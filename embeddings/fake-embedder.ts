/**
 * A deterministic, fast Embedder for tests: a hashed bag of character n-grams, L2-normalised.
 *
 * Texts that share many n-grams get high cosine similarity ("reset my password" vs "reset the password"), texts
 * that share none get about zero, and the same text always gets the same vector in every process, so other
 * modules can test threshold logic without a model. It is lexical, not semantic: do not calibrate on it.
 *
 * Technique: the hashing trick with a sign hash (Weinberger et al., "Feature Hashing for Large Scale Multitask
 * Learning", ICML 2009), FNV-1a as the hash (http://www.isthe.com/chongo/tech/comp/fnv/).
 *
 * Test hooks: `busyMs` blocks the thread synchronously per call, like CPU-bound inference does (for worker,
 * timeout and event-loop tests); `failOn` makes any call containing that substring reject.
 */
import { embeddingPrefix, normalizeInPlace, type Embedder } from './embedder.ts';
import { EmbedderError } from './embedder-error.ts';

export interface FakeEmbedderOptions {
  dimensions?: number;
  /** Character n-gram length. */
  n?: number;
  maxBatchSize?: number;
  /** Busy-wait this long (synchronously) in every `embed` call that has texts. */
  busyMs?: number;
  /** Reject a call when one of its texts contains this substring. */
  failOn?: string;
}

export class FakeEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  readonly runtime = 'js';
  private readonly n: number;
  private readonly busyMs: number;
  private readonly failOn: string | undefined;
  private closed = false;

  constructor(options: FakeEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    this.n = options.n ?? 3;
    this.maxBatchSize = options.maxBatchSize ?? 64;
    this.busyMs = options.busyMs ?? 0;
    this.failOn = options.failOn;
    this.modelId = `fake/char-${this.n}gram-hash-v1-d${this.dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (this.closed) throw new EmbedderError('closed', 'embedder is closed');
    if (texts.length === 0) return [];
    if (this.failOn !== undefined && texts.some((t) => t.includes(this.failOn!))) {
      throw new EmbedderError('failed', 'fake embedder was told to fail on this input');
    }
    if (this.busyMs > 0) busyWait(this.busyMs);
    return texts.map((text) => this.embedOne(embeddingPrefix(text)));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    // Boundary markers make short texts (even "") produce at least one n-gram, so no vector is ever zero.
    const chars = [...`\u0002${text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()}\u0003`];
    for (let i = 0; i + this.n <= Math.max(chars.length, this.n); i++) {
      const gram = chars.slice(i, i + this.n).join('');
      const hash = fnv1a(gram);
      const sign = (hash & 0x80000000) === 0 ? 1 : -1;
      const slot = (hash & 0x7fffffff) % this.dimensions;
      vector[slot] = vector[slot]! + sign;
    }
    // Opposite signs can cancel to an all-zero vector in theory; fall back to a fixed unit vector then.
    if (vector.every((x) => x === 0)) vector[0] = 1;
    return normalizeInPlace(vector);
  }
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Deliberately burns CPU: this simulates synchronous inference.
  }
}
